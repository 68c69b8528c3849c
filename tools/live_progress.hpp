// How far the running step is, as migrate shows it (issue 14, item 1). The
// engine reports progress through ExecutionObserver (chimp/executor.hpp:
// OnProgress, OnActivity, OnBackupProgress) and has no terminal code; this
// file turns those reports into
//   - kLive:  one line on stderr redrawn in place ("\r", erase line) five
//             times a second, erased when the step ends (a terminal);
//   - kPlain: "chimp: progress: ..." lines on stderr, at most one per
//             interval per step and none for a step shorter than that
//             (stderr is a pipe or a file);
//   - kOff:   nothing (-q);
// and, whatever the mode, calls a tick callback once per interval for the
// running step (migrate --format json's progress events).
#ifndef CHIMP_TOOLS_LIVE_PROGRESS_HPP_
#define CHIMP_TOOLS_LIVE_PROGRESS_HPP_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "chimp/executor.hpp"

namespace chimp::cli {

enum class ProgressMode { kOff, kLive, kPlain };

// --progress auto|always|plain|never and -q: auto is kLive when stderr is a
// terminal, else kPlain; `quiet` is kOff.
ProgressMode ChooseProgressMode(const std::string& when, bool quiet);

// What is known about the running step (or the backup): the numbers of a
// progress line and of a JSON progress event.
struct Meter {
  std::string what;     // "[4/4] fill-items" or "backup"
  std::string step_id;  // "" for the backup
  std::chrono::steady_clock::time_point started;
  bool has_progress = false;
  StepProgress progress;  // the last report
  std::string unit;       // "statements", "units", "percent" (an online ALTER) or "bytes"
  std::string file;       // the backup's file
  // The rate, from the first report of the step to the last; 0 = not known
  // yet (less than 0.5 s between them).
  double rate_per_s = 0;
  std::optional<StatementActivity> activity;  // the last one, when fresh (< 1.5 s old)

  int64_t ElapsedMs(std::chrono::steady_clock::time_point now) const;
  // Milliseconds left at the current rate; nullopt when not known.
  std::optional<int64_t> EtaMs() const;
  // "12/16 (75 %), 9.8/s, ETA 0.4 s, 1.7 s; server: User sleep: DO SLEEP(2.6)".
  std::string Text(std::chrono::steady_clock::time_point now) const;
};

// [thread-safe]: every method takes the one mutex, as does the ticker
// thread that draws.
class LiveProgress {
 public:
  // `interval`: of plain lines and ticks. `same_terminal`: stdout is the
  // terminal stderr draws on, so the live line continues what stdout left
  // on the line (SetLine).
  LiveProgress(ProgressMode mode, std::chrono::milliseconds interval, bool same_terminal);
  ~LiveProgress();
  LiveProgress(const LiveProgress&) = delete;
  LiveProgress& operator=(const LiveProgress&) = delete;

  // Called with the meter of the running step once per interval (under the
  // lock: it may print to stdout). Set before the first Begin.
  void OnTick(std::function<void(const Meter&)> tick);

  // A step (or the backup, step_id "") starts / ends. End erases the line.
  void Begin(const std::string& what, const std::string& step_id, const std::string& unit);
  void End();
  void Report(const StepProgress& progress);
  void Report(const StatementActivity& activity);
  void ReportBytes(const std::string& file, uint64_t bytes);
  // The running step's id; "" when none runs.
  std::string StepId();

  // Runs `print` (which writes to stdout or stderr) with the live line
  // erased; `line_after` is what stdout leaves on the terminal's line
  // afterwards ("" = it ended the line). The next tick redraws.
  void Print(const std::function<void()>& print, const std::string& line_after);
  // Around a log line (tools/log.cpp): Interrupt takes the lock and erases
  // the whole line, the stdout part too; Resume redraws it and releases the
  // lock. REQUIRES: each Interrupt is followed by Resume on its thread.
  void Interrupt();
  void Resume();

 private:
  void Loop();
  void Tick(std::chrono::steady_clock::time_point now);  // REQUIRES: mu_ held
  void Erase(bool with_prefix);                          // REQUIRES: mu_ held

  const ProgressMode mode_;
  const std::chrono::milliseconds interval_;
  const bool same_terminal_;
  std::function<void(const Meter&)> tick_;
  // Recursive: Interrupt holds it until Resume, and a log line may come
  // from the thread that holds it.
  std::recursive_mutex mu_;
  std::condition_variable_any cv_;
  bool stop_ = false;
  std::optional<Meter> meter_;
  std::chrono::steady_clock::time_point first_at_;
  uint64_t first_done_ = 0;
  std::chrono::steady_clock::time_point activity_at_;
  std::chrono::steady_clock::time_point last_tick_;
  std::string prefix_;  // what stdout left on the line (same_terminal_ only)
  bool drawn_ = false;  // the live text is on the line
  std::thread thread_;
};

// Human sizes: "512 B", "12.3 KiB", "4.0 MiB".
std::string ByteText(uint64_t bytes);

}  // namespace chimp::cli

#endif  // CHIMP_TOOLS_LIVE_PROGRESS_HPP_
