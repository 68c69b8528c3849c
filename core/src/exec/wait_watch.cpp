#include "exec/wait_watch.hpp"

#include "changelog/row_reader.hpp"
#include "lock/sessions.hpp"
#include "sql/shorten.hpp"
#include "util/log.hpp"

namespace chimp::internal {

namespace {

constexpr std::chrono::milliseconds kQuiet{2000};
constexpr std::chrono::milliseconds kTick{500};
constexpr std::chrono::seconds kTellEvery{10};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

WaitWatch::WaitWatch(ConnectionOptions options, uint64_t watched, std::chrono::seconds bound,
                     ExecutionObserver* observer)
    : options_(std::move(options)), watched_(watched), bound_(bound), observer_(observer) {
  options_.database.clear();
  thread_ = std::thread([this] { Loop(); });
}

WaitWatch::~WaitWatch() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WaitWatch::Arm() { armed_at_ns_.store(NowNs(), std::memory_order_relaxed); }
void WaitWatch::Disarm() { armed_at_ns_.store(0, std::memory_order_relaxed); }

void WaitWatch::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, kTick, [this] { return stop_; })) {
    const int64_t armed_at = armed_at_ns_.load(std::memory_order_relaxed);
    if (armed_at == 0 || NowNs() - armed_at < std::chrono::nanoseconds(kQuiet).count()) continue;
    lock.unlock();
    Look(armed_at);
    lock.lock();
  }
  conn_.reset();
}

void WaitWatch::Look(int64_t armed_at) {
  const bool tell_due = told_for_ != armed_at || std::chrono::steady_clock::now() - told_at_ >= kTellEvery;
  if (!tell_due && observer_ == nullptr) return;
  if (conn_ == nullptr) {
    auto opened = Connection::Open(options_);
    if (!opened.ok()) return;  // the watcher only informs; the run goes on without it
    conn_ = std::move(opened).value();
  }
  const Value params[] = {Value::Int(static_cast<int64_t>(watched_))};
  auto rows = conn_->Query(std::string(kInternalTag) +
                               "SELECT IFNULL(p.STATE, ''), IFNULL(LEFT(p.INFO, 400), ''), p.TIME, "
                               "(SELECT COUNT(*) FROM information_schema.INNODB_TRX t "
                               "WHERE t.trx_mysql_thread_id = p.ID AND t.trx_state = 'LOCK WAIT') "
                               "FROM information_schema.PROCESSLIST p WHERE p.ID = ?",
                           params);
  if (!rows.ok()) {
    conn_.reset();
    return;
  }
  if (rows->rows.empty()) return;
  RowReader r(rows->rows.front());
  const std::string state = r.Text();
  const std::string query = r.Text();
  const int64_t seconds = r.Int();
  const bool row_wait = r.Int() > 0;
  const bool lock_wait = state.rfind("Waiting for", 0) == 0 && state.find("lock") != std::string::npos;
  StatementActivity activity;
  activity.running_ms = (NowNs() - armed_at) / 1000000;
  activity.state = state;
  activity.statement = query.empty() ? std::string() : ShortenSql(query);
  activity.lock_wait = lock_wait || row_wait;
  if (activity.lock_wait && tell_due) {
    activity.warning = TellLockWait(state, query, seconds, row_wait);
    told_for_ = armed_at;
    told_at_ = std::chrono::steady_clock::now();
  }
  if (observer_ != nullptr) observer_->OnActivity(activity);
}

std::string WaitWatch::TellLockWait(const std::string& state, const std::string& query, int64_t seconds,
                                    bool row_wait) {
  auto holders = FindLockHolders(*conn_, watched_);
  std::string who;
  if (holders.ok()) {
    for (const SessionInfo& s : *holders) who += (who.empty() ? "" : "; ") + DescribeSession(s);
  }
  if (who.empty()) who = "no session with an open transaction is visible (PROCESS privilege?)";
  std::string message = "a statement waits for " + (row_wait ? std::string("a row lock") : "'" + state + "'") +
                        " since " + std::to_string(seconds) + " s (bound: --lock-wait-timeout " +
                        std::to_string(bound_.count()) + " s): " + ShortenSql(query) + "; held by " + who;
  Log(LogLevel::kWarn, message);
  return message;
}

}  // namespace chimp::internal
