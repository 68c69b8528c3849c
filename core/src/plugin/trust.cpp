#include "plugin/trust.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace chimp::internal {

namespace {

namespace fs = std::filesystem;

std::string UserName(uid_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr) return found->pw_name;
  return "uid " + std::to_string(uid);
}

// "nobody", or "an unknown user" when the uid has no name.
std::string KnownName(uid_t uid) {
  const std::string name = UserName(uid);
  return name.rfind("uid ", 0) == 0 ? "an unknown user" : name;
}

// "nobody (uid 65534)", "root".
std::string OwnerText(uid_t uid) {
  const std::string name = UserName(uid);
  return name.rfind("uid ", 0) == 0 || uid == 0 ? name : name + " (uid " + std::to_string(uid) + ")";
}

std::string ModeText(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// What a refusal ends with: what chimp does not do.
const char* Consequence(bool is_file) {
  return is_file ? "; refusing to load it" : "; refusing to load plugins from it";
}

// `what` is "plugin file 'X'", "plugin directory 'X'" or "plugin directory
// 'X': the directory 'Y' above it". `relaxed`: a sticky directory writable
// by others is accepted (an ancestor).
Status Judge(const std::string& what, const struct stat& st, bool is_file, bool relaxed) {
  const uid_t me = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != me) {
    return Status::PluginError(what + " is owned by " + KnownName(st.st_uid) + " (uid " + std::to_string(st.st_uid) +
                               ", mode " + ModeText(st.st_mode) + "), not by root or the running user (" +
                               OwnerText(me) + ")" + Consequence(is_file));
  }
  const bool sticky = (st.st_mode & S_ISVTX) != 0;
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !(relaxed && sticky)) {
    const char* who = (st.st_mode & S_IWOTH) != 0 ? "others" : "group";
    return Status::PluginError(what + " is writable by " + who + " (mode " + ModeText(st.st_mode) + ", owner " +
                               OwnerText(st.st_uid) + ")" + Consequence(is_file));
  }
  return Status::Ok();
}

Status StatOrError(const std::string& what, const std::string& path, struct stat* st) {
  if (::stat(path.c_str(), st) == 0) return Status::Ok();
  return Status::PluginError(what + ": " + std::strerror(errno));
}

// Every directory above `dir` (canonical), to `/`, relaxed; `subject`
// names what they are above, e.g. "plugin file 'X'".
Status CheckAncestors(const fs::path& dir, const std::string& subject, bool is_file) {
  for (fs::path p = dir.parent_path(); !p.empty(); p = p.parent_path()) {
    const std::string what = subject + ": the directory '" + p.string() + "' above it";
    struct stat st {};
    CHIMP_RETURN_IF_ERROR(StatOrError(what, p.string(), &st));
    CHIMP_RETURN_IF_ERROR(Judge(what, st, is_file, /*relaxed=*/true));
    if (p == p.root_path()) break;
  }
  return Status::Ok();
}

}  // namespace

Status CheckTrustedDirectory(const std::string& dir) {
  const std::string what = "plugin directory '" + dir + "'";
  struct stat st {};
  CHIMP_RETURN_IF_ERROR(StatOrError(what, dir, &st));
  CHIMP_RETURN_IF_ERROR(Judge(what, st, /*is_file=*/false, /*relaxed=*/false));
  return CheckAncestors(fs::path(dir), what, /*is_file=*/false);
}

Status CheckTrustedFile(const std::string& path, std::string* canonical) {
  std::error_code ec;
  const bool is_link = fs::is_symlink(fs::symlink_status(path, ec));
  const fs::path target = fs::canonical(path, ec);
  if (ec) {
    if (is_link && ec == std::errc::no_such_file_or_directory) {
      const std::string points_to = fs::read_symlink(path, ec).string();
      return Status::PluginError("plugin file '" + path + "' is a link to '" + points_to +
                                 "', which does not exist (a dangling link); remove the link or install its target");
    }
    return Status::PluginError("plugin file '" + path + "': " + ec.message());
  }
  const std::string what =
      "plugin file '" + path + "'" + (is_link ? " (a link to '" + target.string() + "')" : std::string());
  struct stat st {};
  CHIMP_RETURN_IF_ERROR(StatOrError(what, target.string(), &st));
  if (!S_ISREG(st.st_mode)) return Status::PluginError(what + " is not a regular file");
  CHIMP_RETURN_IF_ERROR(Judge(what, st, /*is_file=*/true, /*relaxed=*/false));
  const fs::path dir = target.parent_path();
  const std::string dir_what = what + ": its directory '" + dir.string() + "'";
  struct stat dir_st {};
  CHIMP_RETURN_IF_ERROR(StatOrError(dir_what, dir.string(), &dir_st));
  CHIMP_RETURN_IF_ERROR(Judge(dir_what, dir_st, /*is_file=*/true, /*relaxed=*/false));
  CHIMP_RETURN_IF_ERROR(CheckAncestors(dir, what, /*is_file=*/true));
  *canonical = target.string();
  return Status::Ok();
}

Status CheckTrustedStat(const std::string& file, const struct stat& st) {
  const std::string what = "plugin file '" + file + "'";
  if (!S_ISREG(st.st_mode)) return Status::PluginError(what + " is not a regular file");
  return Judge(what, st, /*is_file=*/true, /*relaxed=*/false);
}

}  // namespace chimp::internal
