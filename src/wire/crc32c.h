// CRC32c (Castagnoli), the SCTP checksum of RFC 9260 §6.8 and Appendix A.
//
// crc32c() uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run time) and a
// portable slicing-by-8 table otherwise; every variant is exported so that tests can compare them.
//
// The crc32 instruction has a latency of about three cycles but can start one per cycle, so one
// dependent chain leaves two thirds of the unit idle. When the CPU also has PCLMULQDQ, the
// hardware variant splits long inputs into three consecutive blocks, runs three chains side by
// side and joins them: a block's CRC register followed by L more bytes equals the register times
// x^(8L) mod P, computed with one carry-less multiply and one crc32 reduction. Appending zero
// bytes is linear, so the three registers combine with XOR.
#pragma once

#include <cstdint>

#include "wire/byte_io.h"

namespace sctps::wire {

// Continues a CRC over more data. `crc` is the finalized value of the bytes before (0 to start).
std::uint32_t crc32c_extend(std::uint32_t crc, Bytes data);
inline std::uint32_t crc32c(Bytes data) {
  return crc32c_extend(0, data);
}

std::uint32_t crc32c_extend_portable(std::uint32_t crc, Bytes data);
// Best hardware variant: three chains when PCLMULQDQ is there, one otherwise. Call only if
// crc32c_hardware_available().
std::uint32_t crc32c_extend_hardware(std::uint32_t crc, Bytes data);
// One chain of crc32 instructions (the variant for CPUs without PCLMULQDQ); same precondition.
std::uint32_t crc32c_extend_hardware_serial(std::uint32_t crc, Bytes data);
bool crc32c_hardware_available();  // SSE4.2
bool crc32c_pclmul_available();    // SSE4.2 and PCLMULQDQ: the three-chain variant is used

// The SCTP checksum field of a packet (common header onwards): the CRC over the packet with the
// checksum field taken as zero, as the 32-bit value the field holds when read in network byte
// order. The CRC's least significant byte travels first (RFC 9260 Appendix A).
std::uint32_t sctp_checksum(Bytes packet);
bool verify_sctp_checksum(Bytes packet);
// Computes the checksum of a complete packet and stores it in bytes 8..11.
void write_sctp_checksum(MutableBytes packet);

}  // namespace sctps::wire
