import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { resolveAdminApiKey } from '@gridflex/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';

const ALGORITHM = 'aes-256-gcm';
const IV_LENGTH = 12;
const FORMAT = 'v1';

/**
 * Seals the tokens we present to peers (AES-256-GCM), so that a database dump alone does not let
 * anyone call a DSO as us. The key comes from `OSCP_TOKEN_ENCRYPTION_KEY`, or from a key file that is
 * generated on first use.
 */
@Injectable()
export class OscpTokenCipher {
  private key?: Buffer;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  seal(token: string): string {
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv(ALGORITHM, this.secretKey(), iv);
    const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return [FORMAT, iv, cipher.getAuthTag(), sealed].map(encode).join('.');
  }

  open(sealed: string): string {
    const [format, iv, tag, data] = sealed.split('.');
    if (format !== FORMAT || !iv || !tag || !data) throw new Error('Not a sealed OSCP token');
    const decipher = createDecipheriv(ALGORITHM, this.secretKey(), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }

  private secretKey(): Buffer {
    this.key ??= deriveKey(
      // The admin key helper does exactly what is needed: configured, or generated once into a 0600 file.
      resolveAdminApiKey(this.config.OSCP_TOKEN_ENCRYPTION_KEY, this.config.OSCP_TOKEN_KEY_FILE).key,
    );
    return this.key;
  }
}

/** Any configured secret of at least 32 characters becomes a 256-bit key. */
function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gridflex', 'oscp-outbound-token', 32));
}

function encode(part: string | Buffer): string {
  return typeof part === 'string' ? part : part.toString('base64url');
}
