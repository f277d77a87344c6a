/** Emitted after a site's configuration changed in a way that affects its plan. */
export const SITE_CONFIGURATION_CHANGED = 'sites.configuration-changed';

export class SiteConfigurationChangedEvent {
  constructor(
    readonly siteId: string,
    /** The OSCP groups whose plan must be recomputed: the site's group before and after the change. */
    readonly groupIds: string[],
  ) {}
}
