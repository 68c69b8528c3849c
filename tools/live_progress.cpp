#include "live_progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common.hpp"

namespace chimp::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kRedraw{200};
constexpr std::chrono::milliseconds kLiveAfter{500};  // no line for a step shorter than this
constexpr std::chrono::milliseconds kActivityFresh{1500};
constexpr const char* kEraseLine = "\r\033[K";

// "9.8", "120", "4.1k", "2.3M".
std::string RateText(double per_s) {
  char buf[32];
  if (per_s >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.1fM", per_s / 1e6);
  } else if (per_s >= 1e4) {
    std::snprintf(buf, sizeof buf, "%.1fk", per_s / 1e3);
  } else if (per_s >= 100) {
    std::snprintf(buf, sizeof buf, "%.0f", per_s);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f", per_s);
  }
  return buf;
}

// The terminal's width, for cutting the live line (a wrapped line cannot be
// redrawn in place).
size_t TerminalWidth() {
  winsize ws{};
  if (::ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10) return ws.ws_col;
  return 100;
}

void Write(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

ProgressMode ChooseProgressMode(const std::string& when, bool quiet) {
  if (quiet || when == "never") return ProgressMode::kOff;
  if (when == "always") return ProgressMode::kLive;
  if (when == "plain") return ProgressMode::kPlain;
  return ::isatty(2) == 1 ? ProgressMode::kLive : ProgressMode::kPlain;
}

std::string ByteText(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  for (v /= 1024; v >= 1024 && u + 1 < std::size(units); ++u) v /= 1024;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

int64_t Meter::ElapsedMs(Clock::time_point now) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - started).count();
}

std::optional<int64_t> Meter::EtaMs() const {
  if (!has_progress || rate_per_s <= 0 || progress.total <= progress.done) return std::nullopt;
  return static_cast<int64_t>(std::llround(static_cast<double>(progress.total - progress.done) / rate_per_s * 1000));
}

std::string Meter::Text(Clock::time_point now) const {
  std::string text;
  auto add = [&text](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  if (unit == "bytes") {
    add(ByteText(has_progress ? progress.done : 0) + " written");
  } else if (has_progress && progress.unit == StepProgress::Unit::kPercent) {
    add(std::to_string(progress.done) + " % copied (pt-online-schema-change)");
    if (auto eta = EtaMs(); eta.has_value()) add("ETA " + DurationText(*eta));
  } else if (has_progress) {
    const StepProgress& p = progress;
    const char* noun = p.unit == StepProgress::Unit::kStatements ? " statements" : "";
    if (p.total > 0) {
      add(std::to_string(p.done) + "/" + std::to_string(p.total) + noun + " (" +
          std::to_string(p.done * 100 / p.total) + " %)");
    } else {
      add(std::to_string(p.done) + noun + " done");
    }
    if (p.unit == StepProgress::Unit::kUnits && rate_per_s > 0) add(RateText(rate_per_s) + "/s");
    if (auto eta = EtaMs(); eta.has_value() && p.unit == StepProgress::Unit::kUnits) add("ETA " + DurationText(*eta));
  }
  add(DurationText(ElapsedMs(now)));
  if (activity.has_value() && !activity->statement.empty()) {
    text += activity->lock_wait ? "; waiting: " : "; server: ";
    text += (activity->state.empty() ? std::string("running") : activity->state) + " (" +
            DurationText(activity->running_ms) + "): " + activity->statement;
  }
  return text;
}

LiveProgress::LiveProgress(ProgressMode mode, std::chrono::milliseconds interval, bool same_terminal)
    : mode_(mode), interval_(interval), same_terminal_(same_terminal) {
  thread_ = std::thread([this] { Loop(); });
}

LiveProgress::~LiveProgress() {
  {
    std::lock_guard<std::recursive_mutex> guard(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LiveProgress::OnTick(std::function<void(const Meter&)> tick) {
  std::lock_guard<std::recursive_mutex> guard(mu_);
  tick_ = std::move(tick);
}

void LiveProgress::Begin(const std::string& what, const std::string& step_id, const std::string& unit) {
  std::lock_guard<std::recursive_mutex> guard(mu_);
  Meter m;
  m.what = what;
  m.step_id = step_id;
  m.unit = unit;
  m.started = Clock::now();
  meter_ = std::move(m);
  first_done_ = 0;
  first_at_ = {};
  last_tick_ = meter_->started;
}

void LiveProgress::End() {
  std::lock_guard<std::recursive_mutex> guard(mu_);
  Erase(false);
  meter_.reset();
}

void LiveProgress::Report(const StepProgress& progress) {
  std::lock_guard<std::recursive_mutex> guard(mu_);
  if (!meter_.has_value()) return;
  const Clock::time_point now = Clock::now();
  if (!meter_->has_progress) {
    first_at_ = now;
    first_done_ = progress.done;
  }
  meter_->has_progress = true;
  meter_->progress = progress;
  const double span = std::chrono::duration<double>(now - first_at_).count();
  if (span >= 0.5 && progress.done >= first_done_) {
    meter_->rate_per_s = static_cast<double>(progress.done - first_done_) / span;
  }
}

void LiveProgress::Report(const StatementActivity& activity) {
  std::lock_guard<std::recursive_mutex> guard(mu_);
  if (!meter_.has_value()) return;
  meter_->activity = activity;
  activity_at_ = Clock::now();
}

void LiveProgress::ReportBytes(const std::string& file, uint64_t bytes) {
  std::lock_guard<std::recursive_mutex> guard(mu_);
  if (!meter_.has_value()) return;
  meter_->file = file;
  meter_->has_progress = true;
  meter_->progress.done = bytes;
}

std::string LiveProgress::StepId() {
  std::lock_guard<std::recursive_mutex> guard(mu_);
  return meter_.has_value() ? meter_->step_id : std::string();
}

void LiveProgress::Print(const std::function<void()>& print, const std::string& line_after) {
  std::lock_guard<std::recursive_mutex> guard(mu_);
  Erase(false);
  print();
  std::fflush(stdout);
  prefix_ = same_terminal_ ? line_after : std::string();
}

void LiveProgress::Interrupt() {
  mu_.lock();
  if (mode_ != ProgressMode::kLive) return;
  std::fflush(stdout);
  if (drawn_ || !prefix_.empty()) Write(kEraseLine);
}

void LiveProgress::Resume() {
  if (mode_ == ProgressMode::kLive) {
    if (!prefix_.empty()) Write(prefix_);
    drawn_ = false;  // the next tick draws the text again
  }
  mu_.unlock();
}

void LiveProgress::Erase(bool with_prefix) {
  if (mode_ != ProgressMode::kLive || !drawn_) return;
  Write(std::string(kEraseLine) + (with_prefix ? "" : prefix_));
  drawn_ = false;
}

void LiveProgress::Loop() {
  std::unique_lock<std::recursive_mutex> lock(mu_);
  while (!cv_.wait_for(lock, kRedraw, [this] { return stop_; })) Tick(Clock::now());
  Erase(false);
}

void LiveProgress::Tick(Clock::time_point now) {
  if (!meter_.has_value()) return;
  if (meter_->activity.has_value() && now - activity_at_ > kActivityFresh) meter_->activity.reset();
  const bool due = now - last_tick_ >= interval_;
  if (due) last_tick_ = now;
  if (due && tick_) tick_(*meter_);
  if (mode_ == ProgressMode::kPlain && due) {
    Write("chimp: progress: " + meter_->what + ": " + meter_->Text(now) + "\n");
  } else if (mode_ == ProgressMode::kLive && now - meter_->started >= kLiveAfter) {
    std::string line = prefix_.empty() ? "  " + meter_->what + ": " + meter_->Text(now) : meter_->Text(now);
    const size_t width = TerminalWidth();
    const size_t room = width > prefix_.size() + 1 ? width - prefix_.size() - 1 : 0;
    if (line.size() > room) line.resize(room);
    Write(std::string(kEraseLine) + prefix_ + line);
    drawn_ = true;
  }
}

}  // namespace chimp::cli
