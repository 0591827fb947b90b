// The `sctps` binary as server and client on loopback: echo check with a JSON summary, a client
// to a port where nothing listens, bad option combinations. Bounded time.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <string>

namespace {

struct Output {
  int exit_code = -1;
  std::string text;
};

Output run(const std::string& args) {
  Output out;
  const std::string command = std::string("timeout 60 ") + SCTPS_CLI_PATH + " " + args + " 2>&1";
  FILE* f = popen(command.c_str(), "r");
  if (f == nullptr) return out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), f) != nullptr) out.text += buffer;
  const int status = pclose(f);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// A server on 127.0.0.1 with an ephemeral UDP port; stopped with SIGTERM on destruction.
struct Server {
  FILE* pipe = nullptr;
  int pid = 0;
  int udp_port = 0;
  explicit Server(const std::string& args) {
    const std::string command = std::string("timeout 60 ") + SCTPS_CLI_PATH +
                                " server --json --udp-port 0 " + args + " & echo PID $!";
    pipe = popen(command.c_str(), "r");
    char line[1024];
    if (pipe == nullptr || std::fgets(line, sizeof(line), pipe) == nullptr) return;
    pid = std::atoi(line + 4);
    if (std::fgets(line, sizeof(line), pipe) == nullptr) return;
    const std::string s(line);
    const auto at = s.find("\"udp_port\":");
    if (at != std::string::npos) udp_port = std::atoi(s.c_str() + at + 11);
  }
  ~Server() {
    if (pid > 0) kill(pid, SIGTERM);
    if (pipe != nullptr) pclose(pipe);
  }
};

TEST(Cli, EchoCheckSucceedsWithJsonSummary) {
  Server server("--listen 127.0.0.1:5000 --echo");
  ASSERT_GT(server.udp_port, 0);
  const auto out = run("client --connect 127.0.0.1:5000 --remote-udp-port " +
                       std::to_string(server.udp_port) + " --echo-check --count 1000 --json");
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_NE(out.text.find("\"ok\":true"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("\"messages_sent\":1000,"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("\"messages_received\":1000,"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("\"verified\":true"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("\"rtt_p99_us\":"), std::string::npos) << out.text;
}

TEST(Cli, NothingListeningFailsWithOneLine) {
  const auto out =
      run("client --connect 127.0.0.1:5000 --remote-udp-port 9 --connect-timeout 3 --count 1");
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.text.find("association failed"), std::string::npos) << out.text;
  EXPECT_EQ(out.text.find('\n'), out.text.size() - 1) << out.text;
}

TEST(Cli, BadOptionsRejected) {
  auto out = run("client --connect 127.0.0.1 --count 1");
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.text.find("--connect"), std::string::npos) << out.text;
  out = run("client --connect 127.0.0.1:5000 --count 3 --duration 2");
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.text.find("--count excludes --duration"), std::string::npos) << out.text;
  out = run("client --connect 127.0.0.1:5000 --echo-check --size 4");
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.text.find("--echo-check needs --size"), std::string::npos) << out.text;
  out = run("server --listen 127.0.0.1:5000 --echo --discard");
  EXPECT_NE(out.exit_code, 0);
  out = run("client --connect 127.0.0.1:5000 --bind ::1");
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.text.find("different address families"), std::string::npos) << out.text;
}

}  // namespace
