//! Just enough DER and PEM for public keys: SubjectPublicKeyInfo (RSA, P-256, P-384, Ed25519)
//! and PKCS#1 `RSAPublicKey`, read into [`KeyMaterial`] that both crypto backends consume.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::alg::KeyKind;
use crate::error::KeyError;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;

const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
const OID_ED25519: &[u8] = &[0x2B, 0x65, 0x70];

/// A public key, independent of the crypto backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyMaterial {
    /// Big-endian modulus and exponent, without leading zeros.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An uncompressed SEC1 point (`04 || x || y`) on P-256 or P-384.
    Ec { kind: KeyKind, point: Vec<u8> },
    /// A raw Ed25519 public key.
    Ed25519([u8; 32]),
}

impl KeyMaterial {
    pub(crate) fn kind(&self) -> KeyKind {
        match self {
            Self::Rsa { .. } => KeyKind::Rsa,
            Self::Ec { kind, .. } => *kind,
            Self::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// An RSA key from its JWK-style big-endian components; refuses moduli under 2048 bits.
    pub(crate) fn rsa(n: &[u8], e: &[u8]) -> Result<Self, KeyError> {
        let n = strip_zeros(n);
        let e = strip_zeros(e);
        if e.is_empty() || e.len() > 8 {
            return Err(KeyError::Unparsable);
        }
        let bits = match n.first() {
            Some(first) => n.len() * 8 - first.leading_zeros() as usize,
            None => 0,
        };
        if bits < 2048 {
            return Err(KeyError::RsaKeyTooShort { bits });
        }
        if bits > 8192 {
            return Err(KeyError::Unparsable);
        }
        Ok(Self::Rsa {
            n: n.to_vec(),
            e: e.to_vec(),
        })
    }

    /// An EC key from its JWK-style coordinates.
    pub(crate) fn ec(kind: KeyKind, x: &[u8], y: &[u8]) -> Result<Self, KeyError> {
        let size = match kind {
            KeyKind::P256 => 32,
            KeyKind::P384 => 48,
            KeyKind::Rsa | KeyKind::Ed25519 => return Err(KeyError::UnsupportedKeyType),
        };
        if x.len() != size || y.len() != size {
            return Err(KeyError::Unparsable);
        }
        let mut point = Vec::with_capacity(1 + 2 * size);
        point.push(0x04);
        point.extend_from_slice(x);
        point.extend_from_slice(y);
        Ok(Self::Ec { kind, point })
    }

    pub(crate) fn ed25519(x: &[u8]) -> Result<Self, KeyError> {
        <[u8; 32]>::try_from(x)
            .map(Self::Ed25519)
            .map_err(|_| KeyError::Unparsable)
    }

    /// PKCS#1 `RSAPublicKey` DER for an RSA key.
    #[cfg_attr(not(feature = "native"), allow(dead_code))]
    pub(crate) fn rsa_pkcs1_der(n: &[u8], e: &[u8]) -> Vec<u8> {
        let mut body = Vec::with_capacity(n.len() + e.len() + 16);
        write_integer(&mut body, n);
        write_integer(&mut body, e);
        let mut out = Vec::with_capacity(body.len() + 6);
        write_tlv(&mut out, SEQUENCE, &body);
        out
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

fn write_integer(out: &mut Vec<u8>, value: &[u8]) {
    let value = strip_zeros(value);
    let mut content = Vec::with_capacity(value.len() + 1);
    if value.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(value);
    write_tlv(out, INTEGER, &content);
}

fn write_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let significant = strip_zeros(&bytes);
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
}

/// Reads one DER TLV with the expected tag; returns its content and the rest.
fn read(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), KeyError> {
    let bad = KeyError::Unparsable;
    let (&found, rest) = input.split_first().ok_or(bad.clone())?;
    if found != tag {
        return Err(bad);
    }
    let (&first, rest) = rest.split_first().ok_or(bad.clone())?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 || rest.len() < count {
            return Err(bad);
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return Err(bad);
    }
    Ok(rest.split_at(len))
}

/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
fn rsa_public_key(der: &[u8]) -> Result<KeyMaterial, KeyError> {
    let (seq, rest) = read(der, SEQUENCE)?;
    if !rest.is_empty() {
        return Err(KeyError::Unparsable);
    }
    let (n, seq) = read(seq, INTEGER)?;
    let (e, seq) = read(seq, INTEGER)?;
    if !seq.is_empty() {
        return Err(KeyError::Unparsable);
    }
    KeyMaterial::rsa(n, e)
}

/// `SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }`.
fn subject_public_key_info(der: &[u8]) -> Result<KeyMaterial, KeyError> {
    let (spki, rest) = read(der, SEQUENCE)?;
    if !rest.is_empty() {
        return Err(KeyError::Unparsable);
    }
    let (algorithm, spki) = read(spki, SEQUENCE)?;
    let (bits, spki) = read(spki, BIT_STRING)?;
    if !spki.is_empty() {
        return Err(KeyError::Unparsable);
    }
    let Some((0, key)) = bits.split_first() else {
        return Err(KeyError::Unparsable);
    };
    let (oid, params) = read(algorithm, OID)?;
    if oid == OID_RSA {
        rsa_public_key(key)
    } else if oid == OID_EC {
        let (curve, _) = read(params, OID)?;
        let (kind, size) = if curve == OID_P256 {
            (KeyKind::P256, 32)
        } else if curve == OID_P384 {
            (KeyKind::P384, 48)
        } else {
            return Err(KeyError::UnsupportedKeyType);
        };
        match key.split_first() {
            Some((0x04, xy)) if xy.len() == 2 * size => {
                KeyMaterial::ec(kind, &xy[..size], &xy[size..])
            }
            _ => Err(KeyError::Unparsable),
        }
    } else if oid == OID_ED25519 {
        KeyMaterial::ed25519(key)
    } else {
        Err(KeyError::UnsupportedKeyType)
    }
}

/// A PEM `PUBLIC KEY` (SubjectPublicKeyInfo) or `RSA PUBLIC KEY` (PKCS#1).
pub(crate) fn from_pem(pem: &str) -> Result<KeyMaterial, KeyError> {
    let pem = pem.trim();
    let (label, body) = pem
        .strip_prefix("-----BEGIN ")
        .and_then(|rest| rest.split_once("-----"))
        .ok_or(KeyError::Unparsable)?;
    let end = format!("-----END {label}-----");
    let body = body
        .trim_end()
        .strip_suffix(end.as_str())
        .ok_or(KeyError::Unparsable)?;
    let text: String = body.split_whitespace().collect();
    let der = STANDARD.decode(text).map_err(|_| KeyError::Unparsable)?;
    match label {
        "PUBLIC KEY" => subject_public_key_info(&der),
        "RSA PUBLIC KEY" => rsa_public_key(&der),
        _ => Err(KeyError::NotAPublicKey),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs1_round_trip() {
        let n: Vec<u8> = std::iter::once(0xC5).chain([7u8; 255]).collect();
        let der = KeyMaterial::rsa_pkcs1_der(&n, &[1, 0, 1]);
        assert_eq!(
            rsa_public_key(&der).unwrap(),
            KeyMaterial::Rsa {
                n,
                e: vec![1, 0, 1]
            }
        );
    }

    #[test]
    fn short_rsa_is_refused() {
        let n = vec![0xFF; 128];
        assert_eq!(
            KeyMaterial::rsa(&n, &[1, 0, 1]),
            Err(KeyError::RsaKeyTooShort { bits: 1024 })
        );
        let almost: Vec<u8> = std::iter::once(0x7F).chain([0xFF; 255]).collect();
        assert_eq!(
            KeyMaterial::rsa(&almost, &[3]),
            Err(KeyError::RsaKeyTooShort { bits: 2047 })
        );
    }

    #[test]
    fn garbage_is_unparsable() {
        for der in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x05, 0x02],
        ] {
            assert!(subject_public_key_info(der).is_err());
            assert!(rsa_public_key(der).is_err());
        }
        assert!(from_pem("-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----").is_err());
        assert_eq!(
            from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"),
            Err(KeyError::NotAPublicKey)
        );
    }
}
