// Trust: whether a plugin file, and the directories it is found in, could
// have been written by anyone but root and the running user (private to
// core; used by discovery, core/src/plugin/loader.cpp).
//
// The rule is OpenSSH's safe_path() (StrictModes) and sudo's for the
// plugins it loads, walked to `/`: the file and every directory above it
// must be owned by root or the effective user and not writable by group or
// others. One relaxation, for directories above the plugin's own: a
// directory writable by others that has the sticky bit (/tmp) is accepted
// there, because the sticky bit keeps others from renaming or removing the
// entries on the path below it, which are themselves judged. The directory
// that holds a plugin file, and a plugin directory, are never relaxed:
// others could add a file to them.
//
// Links are resolved (realpath) and their target judged the same way; a
// link whose target does not exist is an error naming the link.
//
// Every refusal is a PluginError naming the path, its owner and its mode:
//   plugin file '/srv/p/a.so' is owned by nobody (uid 65534), not by root or the running user (root); ...
#ifndef CHIMP_PLUGIN_TRUST_HPP_
#define CHIMP_PLUGIN_TRUST_HPP_

#include <sys/stat.h>

#include <string>

#include "chimp/status.hpp"

namespace chimp::internal {

// A plugin directory `dir` (canonical): itself, without relaxation, and
// every directory above it to `/`.
Status CheckTrustedDirectory(const std::string& dir);

// A plugin file found at `path` (a link is followed): the target must exist
// and be a regular file, its own directory is judged without relaxation,
// and every directory above that to `/`. On success *canonical is the
// target's canonical path.
Status CheckTrustedFile(const std::string& path, std::string* canonical);

// The owner and mode of an opened plugin file (`st` from fstat of the file
// chimp reads), judged as CheckTrustedFile judges the file itself: what is
// read is what was judged.
Status CheckTrustedStat(const std::string& file, const struct stat& st);

}  // namespace chimp::internal

#endif  // CHIMP_PLUGIN_TRUST_HPP_
