/** Emitted on EventEmitter2 once a capacity forecast is stored and its peer has been answered. */
export const OSCP_FORECAST_ACCEPTED = 'oscp.forecast.accepted';

export class ForecastAcceptedEvent {
  /** Id of the stored `capacity_forecasts` row. */
  readonly forecastId: string;
  readonly groupId: string;
  /** The OSCP CapacityForecastType. */
  readonly type: string;
  /** Id of the DSO peer that sent the forecast. */
  readonly peerId: string;

  constructor(fields: { forecastId: string; groupId: string; type: string; peerId: string }) {
    this.forecastId = fields.forecastId;
    this.groupId = fields.groupId;
    this.type = fields.type;
    this.peerId = fields.peerId;
  }
}
