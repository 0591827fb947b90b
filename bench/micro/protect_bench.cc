// Cost of the DTLS chunk protection (draft-ietf-tsvwg-sctp-dtls-chunk) per packet: seal and open by
// the ChunkProtector for 100 B, 1200 B and 16 KB of plaintext chunks with each cipher suite, next
// to one bare EVP AEAD encryption / decryption of the same size with a prepared context (nonce,
// 3-byte AAD, data, tag): the physical limit. What seal adds: moving the chunks, the header, the
// sequence-number mask and the CRC32c of the packet; open adds the parse, the mask, sequence
// reconstruction, the replay window and the inner-plaintext check.
//
// Open needs a fresh record each time (the replay window refuses a second open), so records are
// sealed in batches with the clock paused; the bare decryption cycles through a batch of the same
// size, so both see the same cache footprint.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "protect/chunk_protector.h"
#include "protect/sequence_mask.h"

namespace {

using namespace sctps;
using namespace sctps::protect;

constexpr std::size_t kCommonHeader = 12;

std::vector<std::uint8_t> bytes(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 13);
  return v;
}

KeyMaterial material(std::uint16_t suite_id) {
  const CipherSuite* s = find_cipher_suite(suite_id);
  auto m = KeyMaterial::make(suite_id, bytes(s->key_length, 1), bytes(s->iv_length, 2),
                             bytes(s->sn_key_length, 3));
  if (!m) std::abort();
  return std::move(*m);
}

// Common header + one DATA-like chunk of `plaintext` bytes, in a buffer with room for sealing.
std::vector<std::uint8_t> packet(std::size_t plaintext) {
  std::vector<std::uint8_t> p(kCommonHeader + plaintext + ChunkProtector::kOverhead, 0);
  p[kCommonHeader + 1] = 0x03;
  p[kCommonHeader + 2] = static_cast<std::uint8_t>(plaintext >> 8);
  p[kCommonHeader + 3] = static_cast<std::uint8_t>(plaintext);
  for (std::size_t i = 4; i < plaintext; ++i) p[kCommonHeader + i] = static_cast<std::uint8_t>(i);
  return p;
}

std::size_t batch_for(std::size_t plaintext) {
  return plaintext > 4096 ? 16 : 256;
}

void label(benchmark::State& state, std::uint16_t suite_id, std::size_t n) {
  state.SetLabel(std::string(find_cipher_suite(suite_id)->name));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(n));
}

void BM_Seal(benchmark::State& state) {
  const auto suite_id = static_cast<std::uint16_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  ProtectorOptions options;
  options.enforce_aead_limits = false;  // the benchmark may seal more than 2^23 records
  ChunkProtector sender(options);
  if (sender.establish_send_key(false, 3, material(suite_id)) != KeyStatus::kOk) std::abort();
  auto p = packet(n);
  const std::size_t len = kCommonHeader + n;
  for (auto _ : state) {
    // In place again and again: the content does not matter to the cost.
    const SealResult r = sender.seal(p, len, p.size());
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
  label(state, suite_id, n);
}

void BM_Open(benchmark::State& state) {
  const auto suite_id = static_cast<std::uint16_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  ProtectorOptions options;
  options.enforce_aead_limits = false;
  ChunkProtector sender(options);
  ChunkProtector receiver(options);
  if (sender.establish_send_key(false, 3, material(suite_id)) != KeyStatus::kOk ||
      receiver.establish_receive_key(false, 3, material(suite_id)) != KeyStatus::kOk)
    std::abort();
  const auto plain = packet(n);
  std::vector<std::vector<std::uint8_t>> batch(batch_for(n), plain);
  std::vector<std::size_t> lengths(batch.size());
  auto refill = [&] {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      batch[i] = plain;
      const SealResult r = sender.seal(batch[i], kCommonHeader + n, batch[i].size());
      if (!r.ok()) std::abort();
      lengths[i] = r.length;
    }
  };
  refill();
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == batch.size()) {
      state.PauseTiming();
      refill();
      next = 0;
      state.ResumeTiming();
    }
    const OpenResult r = receiver.open(wire::MutableBytes(batch[next]).first(lengths[next]));
    if (!r.ok()) std::abort();
    benchmark::DoNotOptimize(r);
    ++next;
  }
  label(state, suite_id, n);
}

// The bare AEAD with a context prepared once, as aead.cc uses it.
struct Bare {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::array<std::uint8_t, 12> nonce{};
  std::array<std::uint8_t, 3> aad{0x2b, 0, 0};
  std::array<std::uint8_t, 16> tag{};
  Bare(std::uint16_t suite_id, int enc) {
    const CipherSuite* s = find_cipher_suite(suite_id);
    EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, s->aead_algorithm.data(), nullptr);
    const auto key = bytes(s->key_length, 1);
    if (cipher == nullptr ||
        EVP_CipherInit_ex2(ctx, cipher, key.data(), nullptr, enc, nullptr) != 1)
      std::abort();
    EVP_CIPHER_free(cipher);
  }
  ~Bare() { EVP_CIPHER_CTX_free(ctx); }
  Bare(const Bare&) = delete;
  Bare& operator=(const Bare&) = delete;
  // One record: nonce, AAD, data in place, final, tag out (seal) or in (open; the tag check
  // costs the same whether it passes or not).
  void run(std::uint8_t* data, int len, bool seal, std::uint64_t seq) {
    nonce[11] = static_cast<std::uint8_t>(seq);
    int out = 0;
    EVP_CipherInit_ex2(ctx, nullptr, nullptr, nonce.data(), -1, nullptr);
    EVP_CipherUpdate(ctx, nullptr, &out, aad.data(), static_cast<int>(aad.size()));
    EVP_CipherUpdate(ctx, data, &out, data, len);
    if (!seal) EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag.data());
    int fin = 0;
    const int ok = EVP_CipherFinal_ex(ctx, data + out, &fin);
    if (seal) EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag.data());
    benchmark::DoNotOptimize(ok);
  }
};

void BM_BareAeadSeal(benchmark::State& state) {
  const auto suite_id = static_cast<std::uint16_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  Bare bare(suite_id, 1);
  auto data = bytes(n + 1, 7);  // the chunks and the content type, as in a record
  std::uint64_t seq = 0;
  for (auto _ : state) {
    bare.run(data.data(), static_cast<int>(data.size()), true, seq++);
    benchmark::ClobberMemory();
  }
  label(state, suite_id, n);
}

void BM_BareAeadOpen(benchmark::State& state) {
  const auto suite_id = static_cast<std::uint16_t>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  Bare bare(suite_id, 0);
  std::vector<std::vector<std::uint8_t>> batch(batch_for(n), bytes(n + 1, 7));
  std::size_t next = 0;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    if (next == batch.size()) next = 0;
    bare.run(batch[next].data(), static_cast<int>(batch[next].size()), false, seq++);
    benchmark::ClobberMemory();
    ++next;
  }
  label(state, suite_id, n);
}

// The sequence-number mask alone (RFC 9147 §4.2.3): one AES block, or a ChaCha20 re-key with the
// sample as counter and nonce; seal and open each compute one.
void BM_SequenceMask(benchmark::State& state) {
  const auto suite_id = static_cast<std::uint16_t>(state.range(0));
  const CipherSuite* s = find_cipher_suite(suite_id);
  auto mask = SequenceMask::create(*s, bytes(s->sn_key_length, 3));
  if (!mask) std::abort();
  auto sample = bytes(16, 9);
  for (auto _ : state) {
    const auto m = mask->compute(sample);
    benchmark::DoNotOptimize(m);
    sample[0] = static_cast<std::uint8_t>(sample[0] + 1);
  }
  state.SetLabel(std::string(s->name));
}

void sizes(benchmark::internal::Benchmark* b) {
  for (const int suite : {0x1301, 0x1302, 0x1303}) {
    for (const int n : {100, 1200, 16384}) b->Args({suite, n});
  }
  b->ArgNames({"suite", "bytes"});
}

}  // namespace

BENCHMARK(BM_Seal)->Apply(sizes);
BENCHMARK(BM_BareAeadSeal)->Apply(sizes);
BENCHMARK(BM_Open)->Apply(sizes);
BENCHMARK(BM_BareAeadOpen)->Apply(sizes);
BENCHMARK(BM_SequenceMask)->Arg(0x1301)->Arg(0x1302)->Arg(0x1303)->ArgName("suite");
