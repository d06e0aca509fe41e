#!/usr/bin/env python3
"""Writes jwks.json and the seed corpus (corpus/verify) from the verifier's test keys.

Run from verifier/fuzz: python3 make_corpus.py (needs the `cryptography` package). The seeds
are real tokens: valid ones for RS256, ES256 and EdDSA, and near misses (expired, other
audience, wrong typ, alg confusion, tampered signature), plus structured inputs for the
target's second mode (`{header JSON}` newline `{claims JSON}`, signed inside the target).
"""
import base64, json, pathlib
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, utils

KEYS = pathlib.Path(__file__).parent.parent / "tests/it/keys"
OUT = pathlib.Path(__file__).parent / "corpus/verify"
ISSUER, AUDIENCE, NOW = "https://auth.example.test", "client-1", 1_750_000_000

def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def load(name):
    return serialization.load_pem_private_key((KEYS / f"{name}.pem").read_bytes(), None)

rsa_key, p256_key = load("rsa-a"), load("p256")
# The EdDSA key is the fixed seed [7; 32], so the fuzz target can sign with it.
ed_key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([7] * 32))

def int_b64(n: int) -> str:
    return b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))

rsa_pub = rsa_key.public_key().public_numbers()
p256_pub = p256_key.public_key().public_numbers()
ed_x = ed_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
jwks = {"keys": [
    {"kty": "RSA", "kid": "rs256", "alg": "RS256", "use": "sig", "n": int_b64(rsa_pub.n), "e": int_b64(rsa_pub.e)},
    {"kty": "EC", "kid": "es256", "alg": "ES256", "use": "sig", "crv": "P-256",
     "x": b64(p256_pub.x.to_bytes(32, "big")), "y": b64(p256_pub.y.to_bytes(32, "big"))},
    {"kty": "OKP", "kid": "eddsa", "alg": "EdDSA", "use": "sig", "crv": "Ed25519", "x": b64(ed_x)},
]}
(pathlib.Path(__file__).parent / "jwks.json").write_text(json.dumps(jwks, indent=1) + "\n")

def sign(alg: str, data: bytes) -> bytes:
    if alg == "RS256":
        return rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if alg == "ES256":
        r, s = utils.decode_dss_signature(p256_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return ed_key.sign(data)

def claims(**changes):
    c = {"iss": ISSUER, "sub": "user-1", "aud": AUDIENCE, "exp": NOW + 3600, "iat": NOW,
         "nbf": NOW, "jti": "t-1", "client_id": AUDIENCE, "amr": ["otp"], "roles": ["admin"],
         "permissions": ["users:read"], "scope": "openid email"}
    c.update(changes)
    return c

def token(kid, alg, body, header_alg=None, typ="at+jwt"):
    header = {"alg": header_alg or alg, "kid": kid, "typ": typ}
    data = (b64(json.dumps(header).encode()) + "." + b64(json.dumps(body).encode())).encode()
    return data.decode() + "." + b64(sign(alg, data))

seeds = {
    "valid-rs256": token("rs256", "RS256", claims()),
    "valid-es256": token("es256", "ES256", claims()),
    "valid-eddsa": token("eddsa", "EdDSA", claims()),
    "aud-array": token("eddsa", "EdDSA", claims(aud=["x", AUDIENCE])),
    "expired": token("eddsa", "EdDSA", claims(exp=NOW - 3600)),
    "other-audience": token("rs256", "RS256", claims(aud="someone-else")),
    "id-token-typ": token("eddsa", "EdDSA", claims(), typ="JWT"),
    "alg-confusion": token("rs256", "RS256", claims(), header_alg="HS256"),
    "unknown-kid": token("nope", "EdDSA", claims()),
}
tampered = seeds["valid-rs256"]
seeds["tampered"] = tampered[:-4] + ("AAAA" if not tampered.endswith("AAAA") else "BBBB")
seeds["alg-none"] = b64(b'{"alg":"none","typ":"at+jwt"}') + "." + b64(json.dumps(claims()).encode()) + ".x"
# Structured mode: header and claims JSON, signed by the target with the EdDSA key.
seeds["json-valid"] = json.dumps({"alg": "EdDSA", "kid": "eddsa", "typ": "at+jwt"}) + "\n" + json.dumps(claims())
seeds["json-dup-claim"] = '{"alg":"EdDSA","kid":"eddsa","typ":"at+jwt"}\n{"iss":"%s","aud":"%s","exp":%d,"exp":1,"sub":"u"}' % (ISSUER, AUDIENCE, NOW + 60)
seeds["json-crit"] = '{"alg":"EdDSA","kid":"eddsa","typ":"at+jwt","crit":["exp"]}\n' + json.dumps(claims())
seeds["json-float-exp"] = '{"alg":"EdDSA","kid":"eddsa","typ":"application/at+jwt"}\n{"iss":"%s","aud":["%s"],"exp":1.75e9,"nbf":"x"}' % (ISSUER, AUDIENCE)
for name, text in seeds.items():
    (OUT / name).write_text(text)
print(f"wrote jwks.json and {len(seeds)} seeds")
