/** BullMQ queue of the dashboard's load sampling, one job per interval for the whole deployment. */
export const DASHBOARD_SAMPLES_QUEUE = 'dashboard-samples';
export const SAMPLE_LOAD_JOB = 'sample-load';
export const SAMPLE_LOAD_SCHEDULER = 'dashboard-sample-load';
export const SAMPLE_INTERVAL_MS = 10_000;
/** Samples older than this are deleted: the charts show hours, not a history. */
export const SAMPLE_RETENTION_MS = 48 * 3_600_000;
/** What the charts show around now. */
export const CHART_PAST_MS = 30 * 60_000;
export const CHART_FUTURE_MS = 3 * 3_600_000;
/** A meter reading older than this no longer counts as the connector's load. */
export const MEASUREMENT_MAX_AGE_MS = 10 * 60_000;
/** The HttpOnly cookie the page's session lives in. */
export const SESSION_COOKIE = 'gridflex_dashboard';
