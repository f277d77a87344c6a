/** A DSO peer as the admin API shows it: deliberately without any token data. */
export class DsoPeerDto {
  id!: string;
  name!: string;
  /** ISO 8601, UTC. */
  createdAt!: string;
}
