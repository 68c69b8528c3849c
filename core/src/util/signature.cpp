#include "util/signature.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "util/sha256.hpp"

namespace chimp::internal {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// The key in a PEM file: a public key, or else a private key.
Result<Key> ReadPem(const std::string& file, bool want_private) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return Status::NotFound("key file '" + file + "' does not exist");
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!in) return Status::InvalidArgument("key file '" + file + "': cannot open it");
  Key key(want_private ? nullptr : PEM_read_PUBKEY(in.get(), nullptr, nullptr, nullptr));
  if (!key) {
    std::rewind(in.get());
    key.reset(PEM_read_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  }
  if (!key) {
    return Status::InvalidArgument("key file '" + file + "' holds no PEM " +
                                   (want_private ? "private key" : "public or private key"));
  }
  if (EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    return Status::InvalidArgument("key file '" + file + "' holds a key that is not Ed25519 (make one with: " +
                                   "openssl genpkey -algorithm ed25519 -out key.pem)");
  }
  return key;
}

Result<PublicKey> Describe(const std::string& file, EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(key, &der);
  if (size <= 0) return Status::Internal("key file '" + file + "': cannot encode its public key");
  PublicKey out;
  out.file = file;
  out.der.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(size));
  OPENSSL_free(der);
  out.fingerprint = "sha256:" + Sha256Hex(out.der);
  return out;
}

}  // namespace

Result<PublicKey> ReadPublicKey(const std::string& file) {
  CHIMP_ASSIGN_OR_RETURN(Key key, ReadPem(file, /*want_private=*/false));
  return Describe(file, key.get());
}

Result<std::string> SignEd25519(const std::string& key_file, std::string_view data, std::string* fingerprint) {
  CHIMP_ASSIGN_OR_RETURN(Key key, ReadPem(key_file, /*want_private=*/true));
  CHIMP_ASSIGN_OR_RETURN(PublicKey pub, Describe(key_file, key.get()));
  MdCtx ctx(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  size_t size = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return Status::Internal("key file '" + key_file + "': signing failed");
  }
  signature.resize(size);
  *fingerprint = pub.fingerprint;
  return signature;
}

bool VerifyEd25519(const PublicKey& key, std::string_view data, std::string_view signature) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(key.der.data());
  Key pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(key.der.size())));
  MdCtx ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

}  // namespace chimp::internal
