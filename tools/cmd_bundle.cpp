// chimp bundle create|verify: release bundles (chimp/bundle.hpp).
//
//   chimp bundle create DIR --release R [--application A] [--sign KEY.pem]
//                           [--min-engine V]
//   chimp bundle verify DIR... [--trusted-key KEY.pem] [--format json]
//
// create writes DIR/bundle.toml (and DIR/bundle.toml.sig) from the built
// plugins in DIR; verify checks a bundle, or every bundle directly under a
// directory of releases, as discovery would before loading it.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "chimp/bundle.hpp"
#include "common.hpp"
#include "exit_codes.hpp"

namespace chimp::cli {
namespace {

namespace fs = std::filesystem;

struct BundleOptions {
  BundleRequest create;
  int64_t timeout_s = 60;
  std::vector<std::string> dirs;  // verify
};

std::string Plural(size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

// "sample release 2.0.0, 4 plugin files, needs chimp >= 0.1.0 and ABI 1.1"
std::string Summary(const BundleManifest& m) {
  return (m.application.empty() ? "" : m.application + " ") + "release " + m.release + ", " +
         Plural(m.files.size(), "plugin file") + ", needs chimp >= " + m.min_engine_version + " and ABI " + m.min_abi;
}

std::string SignatureText(const BundleReport& r) {
  if (r.signature == "verified") return "signature verified: key " + r.key_fingerprint + " (" + r.key_file + ")";
  if (r.signature == "signed") return "signed with key " + r.key_fingerprint + " (" + r.key_file + ")";
  if (r.signature == "not checked") {
    return "signed by " + (r.key_fingerprint.empty() ? std::string("an unnamed key") : r.key_fingerprint) +
           "; signature not checked (no trusted keys: --trusted-key or [plugins] trusted_keys)";
  }
  return "unsigned";
}

Json ReportToJson(const BundleReport& r) {
  const BundleManifest& m = r.manifest;
  Json files = Json::array();
  for (const BundleFile& f : m.files) {
    files.push_back({{"file", f.file},
                     {"sha256", f.sha256},
                     {"size", f.size},
                     {"name", f.name},
                     {"version", f.version},
                     {"abi", f.abi}});
  }
  return {{"dir", r.dir},
          {"ok", true},
          {"application", m.application},
          {"release", m.release},
          {"min_engine_version", m.min_engine_version},
          {"min_abi", m.min_abi},
          {"signature", r.signature},
          {"key_fingerprint", r.key_fingerprint},
          {"key_file", r.key_file},
          {"files", files}};
}

// BundlesIn(dir), or `dir` itself when it holds none (VerifyBundle names what is missing).
std::vector<std::string> BundlesUnder(const std::string& dir) {
  std::vector<std::string> out = BundlesIn(dir);
  if (out.empty()) out.push_back(dir);
  return out;
}

int RunVerify(const Context& ctx, const BundleOptions& opts) {
  Result<std::string> format = ChooseFormat(ctx, "bundle verify", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  Json bundles = Json::array();
  int code = kExitOk;
  std::string first;  // the first failure
  for (const std::string& given : opts.dirs) {
    for (const std::string& dir : BundlesUnder(given)) {
      Result<BundleReport> report = VerifyBundle(dir, ctx.options.bundle_trust);
      if (!report.ok()) {
        if (code == kExitOk) {
          code = ExitCodeFor(report.status().code());
          first = report.status().message();
        }
        if (*format == "json") {
          bundles.push_back({{"dir", dir}, {"ok", false}, {"error", ErrorToJson(report.status())}});
        } else {
          std::cout << "FAIL  " << dir << '\n';
          Fail(report.status());
        }
        continue;
      }
      if (*format == "json") {
        bundles.push_back(ReportToJson(*report));
        continue;
      }
      std::cout << "ok    " << report->dir << "  " << Summary(report->manifest) << '\n'
                << "      " << SignatureText(*report) << '\n';
      for (const BundleFile& f : report->manifest.files) {
        std::cout << "      " << f.file << "  sha256 " << f.sha256.substr(0, 16) << "...  matches\n";
      }
    }
  }
  if (*format == "json") {
    PrintJson({{"ok", code == kExitOk},
               {"bundles", bundles},
               {"error", code == kExitOk ? Json(nullptr) : ErrorJson(code, first)}});
  }
  return code;
}

int RunCreate(const Context& ctx, const BundleOptions& opts) {
  Result<std::string> format = ChooseFormat(ctx, "bundle create", {"text", "json"});
  if (!format.ok()) return Fail(format.status());
  BundleRequest request = opts.create;
  request.timeout = std::chrono::seconds(std::max<int64_t>(1, opts.timeout_s));
  Result<BundleReport> report = CreateBundle(request);
  if (!report.ok()) return Fail(report.status());
  if (*format == "json") {
    Json doc = ReportToJson(*report);
    doc["manifest"] = (fs::path(report->dir) / kBundleManifest).string();
    PrintJson(doc);
  } else {
    std::cout << "wrote " << (fs::path(report->dir) / kBundleManifest).string() << ": " << Summary(report->manifest)
              << "; " << SignatureText(*report) << '\n';
  }
  return kExitOk;
}

}  // namespace

CommandRun RegisterBundle(CLI::App* app) {
  auto opts = std::make_shared<BundleOptions>();
  app->require_subcommand(1);
  CLI::App* create = app->add_subcommand(
      "create", "Write DIR/bundle.toml (and with --sign, DIR/bundle.toml.sig) from the built plugins in DIR");
  create->fallthrough();
  create->add_option("dir", opts->create.dir, "Directory of the release's built plugins (*.so)")
      ->required()
      ->type_name("DIR");
  create->add_option("--release", opts->create.release, "The release these plugins belong to, e.g. 4.20.0")
      ->required()
      ->type_name("VERSION");
  create->add_option("--application", opts->create.application, "The application, e.g. cloudstack")->type_name("NAME");
  create->add_option("--sign", opts->create.signing_key, "Sign the manifest with this Ed25519 private key (PEM)")
      ->type_name("KEY.pem");
  create
      ->add_option("--min-engine", opts->create.min_engine_version,
                   "Lowest chimp version that may load the bundle (Default: this chimp's)")
      ->type_name("VERSION");
  create->add_option("--timeout", opts->timeout_s, "Seconds allowed to load each plugin (Default: 60)")->type_name("S");
  CLI::App* verify = app->add_subcommand(
      "verify",
      "Check bundles as discovery does before loading them: signature, engine and ABI versions, every file's "
      "SHA-256; DIR is a bundle or a directory of bundles");
  verify->fallthrough();
  verify->add_option("dirs", opts->dirs, "Bundle directories")->required()->type_name("DIR");
  return [opts, create, verify](const Context& ctx) {
    if (create->parsed()) return RunCreate(ctx, *opts);
    if (verify->parsed()) return RunVerify(ctx, *opts);
    return Fail(Status::InvalidArgument("'bundle' needs a command: create or verify"));
  };
}

}  // namespace chimp::cli
