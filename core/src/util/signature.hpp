// Ed25519 signatures of release manifests (OpenSSL EVP): the one adapter for
// OpenSSL's key and signature API, beside sha256.cpp. A signature is the
// 64 raw bytes EVP_DigestSign gives for Ed25519 (no digest: Ed25519 hashes
// itself), the same bytes `openssl pkeyutl -sign -rawin` writes, so an
// operator can check a bundle with openssl alone.
//
// A key is named by its fingerprint: "sha256:" and the SHA-256 (hex) of its
// public key in DER (SubjectPublicKeyInfo), which is what
//   openssl pkey -pubin -in key.pem -outform DER | sha256sum
// prints.
#ifndef CHIMP_UTIL_SIGNATURE_HPP_
#define CHIMP_UTIL_SIGNATURE_HPP_

#include <string>
#include <string_view>

#include "chimp/status.hpp"

namespace chimp::internal {

// An Ed25519 public key read from a PEM file.
struct PublicKey {
  std::string file;         // as given
  std::string fingerprint;  // "sha256:<64 hex>"
  std::string der;          // SubjectPublicKeyInfo
};

// Reads the Ed25519 public key in the PEM file `file` ("PUBLIC KEY"; a
// "PRIVATE KEY" file gives its public half). Errors name the file: NotFound
// when it does not exist, InvalidArgument when it holds no Ed25519 key.
Result<PublicKey> ReadPublicKey(const std::string& file);

// Signs `data` with the Ed25519 private key in the PEM file `key_file`;
// returns the 64-byte signature and sets *fingerprint to the key's.
// Errors as ReadPublicKey.
Result<std::string> SignEd25519(const std::string& key_file, std::string_view data, std::string* fingerprint);

// True when `signature` is `key`'s Ed25519 signature of `data`.
bool VerifyEd25519(const PublicKey& key, std::string_view data, std::string_view signature);

}  // namespace chimp::internal

#endif  // CHIMP_UTIL_SIGNATURE_HPP_
