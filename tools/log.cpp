#include "log.hpp"

#include <exception>
#include <memory>
#include <mutex>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace chimp::cli {

namespace {

// SetLogTarget's name for the lines of this thread.
thread_local std::string log_target;

// The stderr sink, with the interlude around each line.
class InterludeSink : public spdlog::sinks::sink {
 public:
  explicit InterludeSink(spdlog::color_mode mode)
      : inner_(std::make_shared<spdlog::sinks::stderr_color_sink_mt>(mode)) {}

  void log(const spdlog::details::log_msg& msg) override {
    std::function<void()> before;
    std::function<void()> after;
    {
      std::lock_guard<std::mutex> guard(mu_);
      before = before_;
      after = after_;
    }
    if (before) before();
    if (log_target.empty()) {
      inner_->log(msg);
    } else {
      const std::string text = log_target + ": " + std::string(msg.payload.data(), msg.payload.size());
      spdlog::details::log_msg named = msg;
      named.payload = spdlog::string_view_t(text.data(), text.size());
      inner_->log(named);
    }
    if (after) after();
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }
  void Set(std::function<void()> before, std::function<void()> after) {
    std::lock_guard<std::mutex> guard(mu_);
    before_ = std::move(before);
    after_ = std::move(after);
  }

 private:
  std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> inner_;
  std::mutex mu_;
  std::function<void()> before_;
  std::function<void()> after_;
};

// Made by SetUpLogging, with its colour mode; a default one before.
std::shared_ptr<InterludeSink>& Sink() {
  static auto sink = std::make_shared<InterludeSink>(spdlog::color_mode::automatic);
  return sink;
}

}  // namespace

void SetLogTarget(std::string_view target) { log_target.assign(target.data(), target.size()); }

void SetLogInterlude(std::function<void()> before, std::function<void()> after) {
  Sink()->Set(std::move(before), std::move(after));
}

void SetUpLogging(bool verbose, bool quiet, bool color) {
  try {
    Sink() = std::make_shared<InterludeSink>(color ? spdlog::color_mode::always : spdlog::color_mode::never);
    auto logger = std::make_shared<spdlog::logger>("chimp", Sink());
    logger->set_pattern("chimp: %^%l%$: %v");
    logger->set_level(verbose ? spdlog::level::debug : quiet ? spdlog::level::warn : spdlog::level::info);
    spdlog::set_default_logger(logger);
  } catch (const std::exception&) {
    // Logging never stops a command.
  }
}

void LogDebug(std::string_view message) {
  try {
    spdlog::debug("{}", message);
  } catch (...) {
  }
}

void LogWarn(std::string_view message) {
  try {
    spdlog::warn("{}", message);
  } catch (...) {
  }
}

}  // namespace chimp::cli
