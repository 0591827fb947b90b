// Runs the built `sctps` binary (or any program) as a child process for the CLI tests: stdout and
// stderr collected by a thread, waits with timeouts, SIGTERM
// and then SIGKILL on destruction, so that no test leaves a process behind or waits forever.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace sctps::test {

// Splits on spaces (the tests' arguments contain none inside one argument).
inline std::vector<std::string> split_args(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

class ChildProcess {
 public:
  // stdout and stderr are collected apart.
  explicit ChildProcess(const std::vector<std::string>& argv) {
    // Built before fork: the test may have threads, so the child only calls async-signal-safe
    // functions until exec.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(err[1], 2);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    if (pid_ < 0) {
      close(out[0]);
      close(err[0]);
      return;
    }
    reader_ = std::thread([this, o = out[0], e = err[0]] { read_all(o, e); });
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGTERM);
      if (!wait_exit(std::chrono::seconds(5))) {
        ::kill(pid_, SIGKILL);
        wait_exit(std::chrono::seconds(5));
      }
    }
    if (reader_.joinable()) reader_.join();
  }

  bool started() const { return pid_ > 0; }
  void signal(int sig) {
    if (pid_ > 0 && !exit_code_) ::kill(pid_, sig);
  }

  // Waits until the process exited; its exit code (128 + signal when killed), nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!exit_code_) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (r < 0 || std::chrono::steady_clock::now() >= end) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (exit_code_ && reader_.joinable()) reader_.join();  // all output read
    return exit_code_;
  }

  // Waits until the collected stdout (or stderr) satisfies `ready` (or the process ended, or
  // timeout).
  bool wait_output(const std::function<bool(const std::string&)>& ready,
                   std::chrono::milliseconds timeout, bool on_stderr = false) {
    std::unique_lock lock(mutex_);
    const std::string& text = on_stderr ? err_ : out_;
    return changed_.wait_for(lock, timeout, [&] { return ready(text) || closed_; }) && ready(text);
  }

  std::string out() {
    const std::lock_guard lock(mutex_);
    return out_;
  }
  std::string err() {
    const std::lock_guard lock(mutex_);
    return err_;
  }

 private:
  void read_all(int out_fd, int err_fd) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open_fds = 2;
    char buffer[4096];
    while (open_fds > 0) {
      if (poll(fds, 2, 1000) < 0) break;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0) continue;
        const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
        if (n <= 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
          continue;
        }
        const std::lock_guard lock(mutex_);
        (i == 0 ? out_ : err_).append(buffer, static_cast<std::size_t>(n));
        changed_.notify_all();
      }
    }
    const std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string out_, err_;
  bool closed_ = false;
};

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  std::string all() const { return out + err; }
};

// Runs to completion (killed after `timeout`).
inline RunResult run_program(const std::vector<std::string>& argv,
                             std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  ChildProcess p(argv);
  RunResult r;
  const auto code = p.wait_exit(timeout);
  r.exit_code = code ? *code : -1;
  if (!code) {
    p.signal(SIGKILL);
    p.wait_exit(std::chrono::seconds(5));
  }
  r.out = p.out();
  r.err = p.err();
  return r;
}

// The number after "KEY": in the first line of `text` containing `line_marker` (empty: any), or
// nullopt.
inline std::optional<double> json_number(const std::string& text, const std::string& key,
                                         const std::string& line_marker = "") {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line_marker.empty() && line.find(line_marker) == std::string::npos) continue;
    const std::string k = "\"" + key + "\":";
    const auto at = line.find(k);
    if (at == std::string::npos) continue;
    char* end = nullptr;
    const char* start = line.c_str() + at + k.size();
    const double v = std::strtod(start, &end);
    if (end != start) return v;
  }
  return std::nullopt;
}

inline std::size_t count_lines_with(const std::string& text, const std::string& marker) {
  std::size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(marker) != std::string::npos) ++n;
  }
  return n;
}

// `sctps server --json ...` started with `prefix` (for example `ip netns exec NS`) and waited for
// until it listens (or failed to).
class CliServer {
 public:
  CliServer(const std::vector<std::string>& prefix, const std::string& args) {
    std::vector<std::string> argv = prefix;
    argv.push_back(SCTPS_CLI_PATH);
    argv.push_back("server");
    argv.push_back("--json");
    for (auto& a : split_args(args)) argv.push_back(a);
    process_ = std::make_unique<ChildProcess>(argv);
    process_->wait_output(
        [](const std::string& s) { return s.find("\"udp_port\":") != std::string::npos; },
        std::chrono::seconds(10));
    if (auto p = json_number(process_->out(), "udp_port", "\"listening\"")) {
      listening = true;
      udp_port = static_cast<int>(*p);
    }
  }
  explicit CliServer(const std::string& args) : CliServer({}, args) {}

  // SIGTERM, then the whole output (the summary included).
  RunResult stop() {
    process_->signal(SIGTERM);
    RunResult r;
    const auto code = process_->wait_exit(std::chrono::seconds(10));
    r.exit_code = code ? *code : -1;
    r.out = process_->out();
    r.err = process_->err();
    return r;
  }
  ChildProcess& process() { return *process_; }

  bool listening = false;
  int udp_port = 0;  // 0 over raw IP

 private:
  std::unique_ptr<ChildProcess> process_;
};

inline RunResult run_cli(const std::string& args,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  std::vector<std::string> argv{SCTPS_CLI_PATH};
  for (auto& a : split_args(args)) argv.push_back(a);
  return run_program(argv, timeout);
}

}  // namespace sctps::test
