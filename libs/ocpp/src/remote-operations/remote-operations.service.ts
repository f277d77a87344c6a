import {
  BadGatewayException,
  BadRequestException,
  ConflictException,
  GatewayTimeoutException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { describeFieldErrors, FieldError } from '@gridflex/common';
import { ChargerStateRepository } from '../charger-state.repository';
import { ChargerOfflineError, OcppCallError, OcppCallTimeoutError } from '../errors';
import { ChargerCallsService } from '../charger-calls.service';
import { ClearChargingProfileDto } from './dto/clear-charging-profile.dto';
import { CompositeScheduleDto } from './dto/composite-schedule.dto';
import { ConfigurationDto } from './dto/configuration.dto';
import { TriggerMessageDto } from './dto/trigger-message.dto';
import { OcppVersion, PURPOSES_BY_VERSION, TRIGGERABLE_MESSAGES } from './ocpp-vocabulary';

/** An OCPP CALL in the charger's version. */
interface OcppRequest {
  action: string;
  payload: object;
}

/**
 * Remote operations a CPO asks for through the admin API: our version-neutral request becomes the CALL of
 * the charger's registered version, sent from whichever instance holds the charger, and the charger's
 * answer is returned as it came.
 */
@Injectable()
export class RemoteOperationsService {
  constructor(
    private readonly chargers: ChargerStateRepository,
    private readonly calls: ChargerCallsService,
  ) {}

  clearChargingProfile(identity: string, dto: ClearChargingProfileDto): Promise<unknown> {
    return this.send(identity, (version) => clearChargingProfileRequest(version, dto));
  }

  compositeSchedule(identity: string, dto: CompositeScheduleDto): Promise<unknown> {
    return this.send(identity, (version) => compositeScheduleRequest(version, dto));
  }

  triggerMessage(identity: string, dto: TriggerMessageDto): Promise<unknown> {
    return this.send(identity, (version) => triggerMessageRequest(version, dto));
  }

  changeConfiguration(identity: string, dto: ConfigurationDto): Promise<unknown> {
    return this.send(identity, (version) => configurationRequest(version, dto));
  }

  /** The request is built (and refused with 400) before anything is sent. */
  private async send(identity: string, build: (version: OcppVersion) => OcppRequest): Promise<unknown> {
    const charger = await this.chargers.findByIdentity(identity);
    if (!charger) throw new NotFoundException(`Unknown charger ${identity}`);
    const { action, payload } = build(charger.ocppVersion as OcppVersion);
    try {
      return await this.calls.call<unknown>(identity, action, payload);
    } catch (error) {
      throw httpErrorOf(error);
    }
  }
}

function clearChargingProfileRequest(version: OcppVersion, dto: ClearChargingProfileDto): OcppRequest {
  requirePurposeOf(version, dto.purpose);
  if (version === '1.6') {
    return {
      action: 'ClearChargingProfile',
      payload: withoutUndefined({
        id: dto.chargingProfileId,
        connectorId: dto.connectorId,
        chargingProfilePurpose: dto.purpose,
        stackLevel: dto.stackLevel,
      }),
    };
  }
  const criteria = withoutUndefined({
    evseId: dto.connectorId,
    chargingProfilePurpose: dto.purpose,
    stackLevel: dto.stackLevel,
  });
  return {
    action: 'ClearChargingProfile',
    payload: withoutUndefined({
      chargingProfileId: dto.chargingProfileId,
      // The 2.0.1 schema requires at least one criterion inside the object when it is present.
      chargingProfileCriteria: Object.keys(criteria).length > 0 ? criteria : undefined,
    }),
  };
}

function compositeScheduleRequest(version: OcppVersion, dto: CompositeScheduleDto): OcppRequest {
  const target = version === '1.6' ? { connectorId: dto.connectorId } : { evseId: dto.connectorId };
  return {
    action: 'GetCompositeSchedule',
    payload: withoutUndefined({ ...target, duration: dto.durationS, chargingRateUnit: dto.unit }),
  };
}

function triggerMessageRequest(version: OcppVersion, dto: TriggerMessageDto): OcppRequest {
  const allowed = TRIGGERABLE_MESSAGES[version];
  if (!allowed.includes(dto.requestedMessage)) {
    throw badRequest([
      {
        field: 'requestedMessage',
        messages: [`requestedMessage must be one of ${allowed.join(', ')} for OCPP ${version}`],
      },
    ]);
  }
  const target =
    dto.connectorId === undefined
      ? {}
      : version === '1.6'
        ? { connectorId: dto.connectorId }
        : { evse: { id: dto.connectorId } };
  return { action: 'TriggerMessage', payload: { requestedMessage: dto.requestedMessage, ...target } };
}

function configurationRequest(version: OcppVersion, dto: ConfigurationDto): OcppRequest {
  if (version === '1.6') {
    requireFields(version, dto, ['key'], ['component', 'variable']);
    return { action: 'ChangeConfiguration', payload: { key: dto.key, value: dto.value } };
  }
  requireFields(version, dto, ['component', 'variable'], ['key']);
  return {
    action: 'SetVariables',
    payload: {
      setVariableData: [
        {
          attributeValue: dto.value,
          component: { name: dto.component },
          variable: { name: dto.variable },
        },
      ],
    },
  };
}

function requirePurposeOf(version: OcppVersion, purpose: string | undefined): void {
  const allowed = PURPOSES_BY_VERSION[version];
  if (purpose !== undefined && !allowed.includes(purpose)) {
    throw badRequest([
      { field: 'purpose', messages: [`purpose must be one of ${allowed.join(', ')} for OCPP ${version}`] },
    ]);
  }
}

/** The configuration fields differ between the versions; the DTO alone cannot tell which apply. */
function requireFields(
  version: OcppVersion,
  dto: ConfigurationDto,
  required: (keyof ConfigurationDto)[],
  forbidden: (keyof ConfigurationDto)[],
): void {
  const errors: FieldError[] = [
    ...required
      .filter((field) => dto[field] === undefined)
      .map((field) => ({ field, messages: [`${field} is required for OCPP ${version}`] })),
    ...forbidden
      .filter((field) => dto[field] !== undefined)
      .map((field) => ({ field, messages: [`${field} does not apply to OCPP ${version}`] })),
  ];
  if (errors.length > 0) throw badRequest(errors);
}

/** The same body as the validation pipe's, so that clients handle one shape of 400. */
function badRequest(errors: FieldError[]): BadRequestException {
  return new BadRequestException({ message: describeFieldErrors(errors), errors });
}

function httpErrorOf(error: unknown): unknown {
  if (error instanceof ChargerOfflineError) return new ConflictException(error.message);
  if (error instanceof OcppCallTimeoutError) return new GatewayTimeoutException(error.message);
  if (error instanceof OcppCallError) {
    return new BadGatewayException({
      message: error.message,
      code: error.code,
      description: error.description,
    });
  }
  return error;
}

/** OCPP schemas refuse nulls, and optional fields left out must not be sent at all. */
function withoutUndefined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
