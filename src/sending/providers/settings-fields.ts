import { X509Certificate } from 'node:crypto';
import { z } from 'zod';

/** Fields every network provider's settings share (SMPP, SMTP): where the peer is and which CA to trust. */

export const DomainName = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'expected a domain name, e.g. "smtp.example.com"');

export const Host = z.union([z.ipv4(), z.ipv6(), DomainName], { error: 'expected a host name or an IP address' });

/** A PEM certificate (chain) to trust besides the system CAs: providers often run a private CA. */
export const PemCertificate = z
  .string()
  .min(1)
  .max(64 * 1024)
  .refine((value) => {
    try {
      new X509Certificate(value);
      return true;
    } catch {
      return false;
    }
  }, 'expected a PEM certificate ("-----BEGIN CERTIFICATE-----")');
