import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  ApiAnswer,
  ApiProblems,
  BODY_PROBLEMS,
  objectSchema,
  type SchemaObject,
} from '@carelog/nest-platform';
import { DEFAULT_ALGORITHMS } from '@carelog/auth';
import type { JWK } from 'jose';
import { CONNECTED_SYSTEMS, IDENTITY_SETTINGS } from '../tokens';
import type { IdentitySettings } from '../identity-settings';
import type { ConnectedSystem } from './connected-systems';
import {
  CLIENT_CREDENTIALS,
  exchangeClientAssertion,
  JWT_BEARER_ASSERTION,
  type IssuedToken,
} from './client-credentials';
import { UsedAssertions } from './used-assertions';

/** A JSON Web Key Set: the keys' members are RFC 7517's, as jose writes them. */
const JWKS_SCHEMA: SchemaObject = objectSchema<{ keys: JWK[] }>({
  keys: {
    type: 'array',
    items: {
      type: 'object',
      required: ['kty'],
      properties: { kty: { type: 'string' }, kid: { type: 'string' }, alg: { type: 'string' } },
    },
  },
});

const TOKEN_SCHEMA: SchemaObject = objectSchema<IssuedToken>({
  access_token: { type: 'string' },
  token_type: { type: 'string', enum: ['Bearer'] },
  expires_in: { type: 'integer', minimum: 1, description: 'seconds' },
});

const DISCOVERY_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['issuer', 'jwks_uri'],
  properties: {
    issuer: { type: 'string' },
    token_endpoint: { type: 'string' },
    jwks_uri: { type: 'string' },
    grant_types_supported: { type: 'array', items: { type: 'string' } },
    token_endpoint_auth_methods_supported: { type: 'array', items: { type: 'string' } },
    token_endpoint_auth_signing_alg_values_supported: { type: 'array', items: { type: 'string' } },
    id_token_signing_alg_values_supported: { type: 'array', items: { type: 'string' } },
  },
};

/**
 * The platform's token endpoint for connected source systems (application-restricted), its
 * keys and discovery document; in local mode also the stand-in CIS2 and NHS login issuers'.
 */
@ApiTags('tokens')
@Controller()
export class TokenController {
  constructor(
    @Inject(IDENTITY_SETTINGS) private readonly settings: IdentitySettings,
    @Inject(CONNECTED_SYSTEMS) private readonly registry: ReadonlyMap<string, ConnectedSystem>,
    private readonly used: UsedAssertions,
  ) {}

  @Post('oauth2/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      'An access token for a connected source system (client credentials, RFC 7523 JWT assertion)',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['grant_type', 'client_assertion_type', 'client_assertion'],
      properties: {
        grant_type: { type: 'string', enum: [CLIENT_CREDENTIALS] },
        client_assertion_type: { type: 'string', enum: [JWT_BEARER_ASSERTION] },
        client_assertion: {
          type: 'string',
          description:
            "a JWT signed with the client's registered key: iss = sub = client id, aud = this URL, exp within 5 minutes, a new jti",
        },
        client_id: { type: 'string' },
      },
    },
  })
  @ApiAnswer(200, 'The access token', TOKEN_SCHEMA)
  // 401 invalid-client; 503 when the store of used assertions (replay) is unavailable.
  @ApiProblems(...BODY_PROBLEMS, 401, 503)
  token(@Body() form: Record<string, unknown> | undefined): Promise<IssuedToken> {
    return exchangeClientAssertion(form ?? {}, this.registry, this.used, this.settings);
  }

  @Get('oauth2/jwks')
  @ApiOperation({ summary: "The platform issuer's public keys (JWKS)" })
  @ApiAnswer(200, 'JWKS', JWKS_SCHEMA)
  jwks(): { keys: JWK[] } {
    return this.settings.jwks;
  }

  @Get('.well-known/openid-configuration')
  @ApiOperation({ summary: "The platform issuer's discovery document" })
  @ApiAnswer(200, 'OpenID Connect discovery', DISCOVERY_SCHEMA)
  discovery(): Record<string, unknown> {
    return {
      issuer: this.settings.signer.issuer,
      token_endpoint: this.settings.endpointUrl,
      jwks_uri: `${this.settings.baseUrl}/oauth2/jwks`,
      grant_types_supported: [CLIENT_CREDENTIALS],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: DEFAULT_ALGORITHMS,
      id_token_signing_alg_values_supported: [this.settings.signer.alg],
    };
  }

  @Get('local/:issuer/.well-known/openid-configuration')
  @ApiOperation({
    summary: "Local mode only: a stand-in issuer's discovery document (cis2, nhs-login)",
  })
  @ApiParam({ name: 'issuer', enum: ['cis2', 'nhs-login'] })
  @ApiAnswer(200, 'OpenID Connect discovery', DISCOVERY_SCHEMA)
  @ApiProblems(400, 404)
  localDiscovery(@Param('issuer') name: string): Record<string, unknown> {
    const local = this.local(name);
    return {
      issuer: local.issuer,
      jwks_uri: `${this.settings.baseUrl}/local/${name}/jwks`,
      id_token_signing_alg_values_supported: local.jwks.keys.map((key) => key.alg),
    };
  }

  @Get('local/:issuer/jwks')
  @ApiOperation({ summary: "Local mode only: a stand-in issuer's public keys (cis2, nhs-login)" })
  @ApiParam({ name: 'issuer', enum: ['cis2', 'nhs-login'] })
  @ApiAnswer(200, 'JWKS', JWKS_SCHEMA)
  @ApiProblems(400, 404)
  localJwks(@Param('issuer') name: string): { keys: JWK[] } {
    return this.local(name).jwks;
  }

  private local(name: string) {
    const local =
      name === 'cis2' || name === 'nhs-login' ? this.settings.localIssuers[name] : undefined;
    if (!local) throw new NotFoundException();
    return local;
  }
}
