// The DTLS chunk over real sockets: two Runtimes on loopback with pre-shared keys (method 0) from
// a key file, messages echoed and marked protected, every datagram after the handshake a DTLS
// chunk, the key log written as keys are installed; and the errors that stop an endpoint before
// anything starts (missing or malformed key file, key log that cannot be opened).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "km/cert_gen.h"
#include "net_test_util.h"
#include "runtime_test_util.h"

namespace sctps::api {
namespace {

using namespace std::chrono_literals;
using testing::RuntimePair;
using Family = net::SocketAddress::Family;

class RuntimeProtection : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sctps_protection_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  static std::string keys(const std::string& suite = "TLS_CHACHA20_POLY1305_SHA256") {
    const bool aes128 = suite == "TLS_AES_128_GCM_SHA256";
    const std::string k(aes128 ? 32 : 64, 'a');
    const std::string iv(24, 'b');
    std::ostringstream s;
    s << "# test keys\n[peer 127.0.0.1]\nsuite = " << suite << "\n"
      << "client_key = " << k << "\nclient_iv = " << iv << "\nclient_sn_key = " << k << "\n"
      << "server_key = " << std::string(k.size(), 'c') << "\nserver_iv = " << std::string(24, 'd')
      << "\nserver_sn_key = " << std::string(k.size(), 'e') << "\n";
    return s.str();
  }
  RuntimeOptions options(std::uint16_t port, ProtectMode mode, const std::string& psk,
                         const std::string& keylog = {}) {
    RuntimeOptions o = testing::loopback_options(Family::kV4, port);
    o.protection.mode = mode;
    o.protection.psk_file = psk;
    o.protection.keylog_file = keylog;
    return o;
  }
  std::filesystem::path dir_;
};

TEST_F(RuntimeProtection, PreSharedKeysProtectEveryMessageAndWriteTheKeyLog) {
  const std::string psk = write("keys.psk", keys());
  const std::string keylog = (dir_ / "keys.log").string();
  RuntimePair p(options(5000, ProtectMode::kStrict, psk, keylog),
                options(5001, ProtectMode::kStrict, psk));
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_TRUE(p.up());
  ASSERT_TRUE(p.run(
      [&] {
        return RuntimePair::find<core::ProtectionEstablished>(p.client_events) != nullptr &&
               RuntimePair::find<core::ProtectionEstablished>(p.server_events) != nullptr;
      },
      5000ms));
  const std::vector<std::size_t> sizes = {1, 1000, 20000, 300000};
  std::size_t next = 0;
  std::size_t echoed = 0;
  ASSERT_TRUE(p.run(
      [&] {
        while (
            next < sizes.size() &&
            p.client->send(p.client_id, 1, static_cast<std::uint32_t>(next),
                           net::testing::pattern(sizes[next], static_cast<std::uint32_t>(next))) ==
                core::SendStatus::kOk) {
          ++next;
        }
        for (const auto& e : p.server_events) {
          if (const auto* m = std::get_if<core::MessageReceived>(&e)) {
            EXPECT_TRUE(m->message.is_protected);
            EXPECT_EQ(p.server->send(m->id, m->message.stream.value(), m->message.ppid.value(),
                                     m->message.payload),
                      core::SendStatus::kOk);
          }
        }
        p.server_events.clear();
        for (const auto& e : p.client_events) {
          if (const auto* m = std::get_if<core::MessageReceived>(&e)) {
            EXPECT_TRUE(m->message.is_protected);
            const std::size_t i = m->message.ppid.value();
            EXPECT_EQ(m->message.payload,
                      net::testing::pattern(sizes.at(i), static_cast<std::uint32_t>(i)));
            ++echoed;
          }
        }
        p.client_events.clear();
        return echoed == sizes.size();
      },
      10000ms));
  const auto stats = p.client->stats(p.client_id);
  ASSERT_TRUE(stats);
  EXPECT_GT(stats->protection.sent_protected, 10u);
  EXPECT_GT(stats->protection.recv_protected, 10u);
  EXPECT_EQ(stats->protection.aead_failures, 0u);

  // The server's key log: one line per key direction (send and receive of epoch 3), private.
  std::ifstream in(keylog);
  std::string line;
  std::size_t lines = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(line.rfind("SCTP_DTLS ", 0), 0u) << line;
    EXPECT_NE(line.find(" 0 3 1303 "), std::string::npos) << line;
    ++lines;
  }
  EXPECT_EQ(lines, 2u);
  struct stat st {};
  ASSERT_EQ(::stat(keylog.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// TLS 1.3 resumption (method 192) over real sockets: the second association from the same client
// Runtime to the same server resumes the first one's session and carries protected messages.
TEST_F(RuntimeProtection, SecondTlsAssociationResumesTheFirstSession) {
  km::TestCertificateOptions certs;
  certs.unix_time = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  auto pki = km::make_test_certificates(certs);
  ASSERT_TRUE(pki.ok());
  ASSERT_TRUE(km::write_test_certificates(*pki, dir_).ok());
  auto tls = [&](std::uint16_t port, bool server) {
    RuntimeOptions o = testing::loopback_options(Family::kV4, port);
    o.protection.mode = ProtectMode::kStrict;
    o.protection.km = KeyManagement::kTls;
    const std::string who = server ? "server" : "client";
    o.protection.cert_file = (dir_ / (who + ".pem")).string();
    o.protection.key_file = (dir_ / (who + ".key")).string();
    o.protection.ca_file = (dir_ / "ca.pem").string();
    o.protection.roles = server ? core::DtlsRoles::kServer : core::DtlsRoles::kClient;
    o.protection.resumption = true;
    return o;
  };
  RuntimePair p(tls(5000, true), tls(5001, false));
  ASSERT_TRUE(p.ok()) << p.error;
  auto established = [](const std::vector<core::Event>& events) {
    std::vector<core::ProtectionEstablished> out;
    for (const auto& e : events) {
      if (const auto* pe = std::get_if<core::ProtectionEstablished>(&e)) out.push_back(*pe);
    }
    return out;
  };
  ASSERT_TRUE(p.run(
      [&] {
        return established(p.client_events).size() == 1 && established(p.server_events).size() == 1;
      },
      5000ms));
  EXPECT_FALSE(established(p.client_events)[0].resumed);
  EXPECT_FALSE(established(p.server_events)[0].resumed);
  ASSERT_TRUE(p.client->shutdown(p.client_id));
  ASSERT_TRUE(
      p.run([&] { return RuntimePair::find<core::AssociationDown>(p.client_events); }, 5000ms));

  p.client_id = p.client->connect(net::SocketAddress::loopback(Family::kV4, p.server->sctp_port()));
  ASSERT_NE(p.client_id, 0u);
  ASSERT_TRUE(p.run(
      [&] {
        return established(p.client_events).size() == 2 && established(p.server_events).size() == 2;
      },
      5000ms));
  EXPECT_TRUE(established(p.client_events)[1].resumed);
  EXPECT_TRUE(established(p.server_events)[1].resumed);
  const std::vector<std::uint8_t> message(1000, 0x5a);
  ASSERT_EQ(p.client->send(p.client_id, 1, 51, message), core::SendStatus::kOk);
  ASSERT_TRUE(p.run(
      [&] {
        for (const auto& e : p.server_events) {
          const auto* r = std::get_if<core::MessageReceived>(&e);
          if (r != nullptr && r->message.payload == message) {
            EXPECT_TRUE(r->message.is_protected);
            return true;
          }
        }
        return false;
      },
      5000ms));
}

TEST_F(RuntimeProtection, LooseAgainstAPlainPeerRunsUnprotected) {
  const std::string psk = write("keys.psk", keys());
  RuntimePair p(testing::loopback_options(Family::kV4, 5000),
                options(5001, ProtectMode::kLoose, psk));
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_TRUE(p.up());
  const auto* up = RuntimePair::find<core::AssociationUp>(p.client_events);
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->protection, core::Protection::kUnprotectedLoose);
}

TEST_F(RuntimeProtection, KeyFileProblemsStopTheEndpointBeforeItStarts) {
  const auto error = [&](const RuntimeOptions& o) {
    auto r = Runtime::create(o);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().message;
  };
  EXPECT_NE(error(options(5000, ProtectMode::kStrict, (dir_ / "absent.psk").string()))
                .find("cannot read pre-shared key file"),
            std::string::npos);
  // A 128-bit key file relabelled as AES-256: lengths do not fit the suite.
  std::string relabelled = keys("TLS_AES_128_GCM_SHA256");
  relabelled.replace(relabelled.find("TLS_AES_128_GCM_SHA256"), 22, "TLS_AES_256_GCM_SHA384");
  const std::string wrong = write("wrong.psk", relabelled);
  const std::string message = error(options(5000, ProtectMode::kStrict, wrong));
  EXPECT_NE(message.find("wrong.psk line 2"), std::string::npos) << message;
  EXPECT_NE(message.find("TLS_AES_256_GCM_SHA384"), std::string::npos) << message;
  RuntimeOptions psk_without_file = options(5000, ProtectMode::kStrict, {});
  psk_without_file.protection.km = KeyManagement::kPsk;
  EXPECT_NE(error(psk_without_file).find("key file"), std::string::npos);
  EXPECT_NE(error(options(5000, ProtectMode::kStrict, {})).find("certificate and key"),
            std::string::npos);
  EXPECT_NE(error(options(5000, ProtectMode::kOff, {}, (dir_ / "no/such/dir/log").string()))
                .find("cannot open key log"),
            std::string::npos);
}

}  // namespace
}  // namespace sctps::api
