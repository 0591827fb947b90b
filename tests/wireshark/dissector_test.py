#!/usr/bin/env python3
"""Checks contrib/wireshark/sctps-dtls.lua with tshark against the DTLS chunk vectors.

Builds a pcap (Ethernet / IPv4 / UDP 9899 / SCTP common header with CRC32c) holding every
protected chunk of tests/vectors/dtls-chunk-vectors.json plus plain packets with the DTLS Key
Management parameter (0x8006) and error causes 100-103, writes the matching key log
(docs/wireshark.md, specs reading #6), runs tshark with the dissector and asserts from its field
output that:
  - with the key log every vector decrypts to the right epoch and 48-bit sequence number, the
    inner chunk types and DATA TSNs seen by Wireshark's own SCTP dissector are those of the
    vector's plaintext, the PPID 4242 key-management header is shown;
  - a record with a corrupted tag and one without a key are reported as not decrypted;
  - without the key log nothing decrypts but the clear parts are shown;
  - no packet is malformed and no error-level expert info appears.
Exits 77 (CTest SKIP_RETURN_CODE) when tshark is not installed. Python stdlib only.
"""

import argparse
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

SKIP = 77

# --- packet building -------------------------------------------------------------------------


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def sctp_packet(vtag: int, chunks: bytes, sport=5001, dport=5002) -> bytes:
    header = struct.pack("!HHII", sport, dport, vtag, 0)
    crc = crc32c(header + chunks)
    # RFC 9260 Appendix A: the CRC goes on the wire least significant byte first.
    return struct.pack("!HHI", sport, dport, vtag) + struct.pack("<I", crc) + chunks


def ipv4_checksum(header: bytes) -> int:
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


sctp_packets = []  # every SCTP packet framed so far, for the fuzz phase


def frame(sctp: bytes, raw: bool = False) -> bytes:
    """Ethernet/IPv4/UDP 9899 (RFC 6951) around an SCTP packet, or Ethernet/IPv4 (raw SCTP)."""
    sctp_packets.append(sctp)
    if raw:
        proto, udp = 132, sctp
    else:
        proto, udp = 17, struct.pack("!HHHH", 40000, 9899, 8 + len(sctp), 0) + sctp  # no checksum
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, proto, 0,
                               bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])))
    struct.pack_into("!H", ip, 10, ipv4_checksum(bytes(ip)))
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    return eth + bytes(ip) + udp


def write_pcap(path: str, frames):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, data in enumerate(frames):
            out.write(struct.pack("<IIII", 1_700_000_000 + i, 0, len(data), len(data)))
            out.write(data)


def pad4(b: bytes) -> bytes:
    return b + bytes((4 - len(b) % 4) % 4)


def parse_chunks(data: bytes):
    """(type, tsn or None) for every chunk of a plaintext chunk sequence."""
    out = []
    off = 0
    while off + 4 <= len(data):
        ctype, _flags, length = struct.unpack_from("!BBH", data, off)
        if length < 4:
            raise ValueError("bad chunk length in vector")
        tsn = struct.unpack_from("!I", data, off + 4)[0] if ctype in (0, 64) else None
        ppid = struct.unpack_from("!I", data, off + 12)[0] if ctype == 0 else None
        out.append((ctype, tsn, ppid))
        off += (length + 3) & ~3
    return out


def init_with_km_parameter() -> bytes:
    # DTLS Key Management parameter (draft §4.1): tie breaker, flags R|S|C, methods 192 and 0.
    km = struct.pack("!HHIB", 0x8006, 11, 0xA1B2C3D4, 0x07) + bytes([192, 0])
    body = struct.pack("!IIHHI", 0x11223344, 65536, 10, 10, 1000) + km
    # RFC 9260 §3.2: the chunk length leaves out the padding of the last parameter.
    return pad4(struct.pack("!BBH", 1, 0, 4 + len(body)) + body)


def data_chunk(tsn: int, ppid: int, payload: bytes) -> bytes:
    return pad4(struct.pack("!BBHIHHI", 0, 3, 16 + len(payload), tsn, 0, 0, ppid) + payload)


def abort_with_causes() -> bytes:
    causes = b"".join(struct.pack("!HH", code, 4) for code in (100, 101, 102, 103))
    return struct.pack("!BBH", 6, 0, 4 + len(causes)) + causes


# --- tshark ----------------------------------------------------------------------------------

FIELDS = [
    "frame.number", "_ws.malformed", "_ws.expert.severity", "_ws.expert.message",
    "sctp.chunk_type", "sctp.data_tsn_raw", "sctps_dtls.decrypted", "sctps_dtls.epoch",
    "sctps_dtls.seq", "sctps_dtls.unified_hdr.epoch", "sctps_dtls.flags.r",
    "sctps_dtls.inner_chunk_type", "sctps_dtls.inner_padding", "sctps_dtls.encrypted_seq",
    "sctps_dtls.length", "sctps_km.t", "sctps_km.epoch", "sctps_dtls.km.tie_breaker",
    "sctps_dtls.km.flags.c", "sctps_dtls.km.flags.s", "sctps_dtls.km.flags.r",
    "sctps_dtls.km.method", "sctps_dtls.cause.code", "tls.alert_message.desc",
    "sctps_km.ctrl_type", "tls.handshake.type",
]

EXPERT_ERROR = 0x00800000


def payload_protocols(tshark, ppids):
    """Stock dissectors registered for the vectors' PPIDs (other than ours)."""
    out = subprocess.run([tshark, "-G", "decodes"], capture_output=True, text=True,
                         timeout=120).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] == "sctp.ppi" and int(parts[1]) in ppids:
            names.add(parts[2])
    return sorted(names)


def run_tshark(tshark, lua, pcap, keylog, disabled):
    cmd = [tshark, "-n", "-r", pcap, "-X", "lua_script:" + lua, "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=;"]
    if keylog is not None:
        cmd += ["-o", "sctps_dtls.keylog_file:" + keylog]
    for name in FIELDS:
        cmd += ["-e", name]
    for name in disabled:
        cmd += ["--disable-protocol", name]
    env = dict(os.environ, HOME=tempfile.mkdtemp(prefix="sctps-ws-home-"))  # no user profile
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    errors = [line for line in proc.stderr.splitlines()
              if line.strip() and "Running as user" not in line]
    if proc.returncode != 0 or errors:
        raise AssertionError(f"tshark failed ({proc.returncode}): {proc.stderr}")
    rows = []
    for line in proc.stdout.splitlines():
        values = line.split("\t")
        values += [""] * (len(FIELDS) - len(values))
        rows.append({name: [v for v in value.split(";") if v != ""]
                     for name, value in zip(FIELDS, values)})
    return rows


def as_int(v: str) -> int:
    return int(v, 0)


def as_bool(v: str) -> bool:
    if v in ("1", "True", "true"):
        return True
    if v in ("0", "False", "false"):
        return False
    raise AssertionError(f"not a boolean: {v!r}")


# --- checks ----------------------------------------------------------------------------------


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, condition: bool, what: str):
        if condition:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what}")


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--tshark", default=shutil.which("tshark"))
    ap.add_argument("--lua", default=os.path.join(root, "contrib/wireshark/sctps-dtls.lua"))
    ap.add_argument("--vectors", default=os.path.join(root, "tests/vectors/dtls-chunk-vectors.json"))
    ap.add_argument("--gen", help="record_gen binary: more records sealed by ChunkProtector")
    ap.add_argument("--keep", help="directory to keep the pcap and key log in")
    args = ap.parse_args()
    if not args.tshark or not os.path.exists(args.tshark):
        print("SKIP: tshark not installed")
        return SKIP

    with open(args.vectors) as f:
        vectors = json.load(f)["vectors"]
    if not vectors:
        raise SystemExit("no vectors")

    frames, keylog, expect = [], [], []
    for i, v in enumerate(vectors):
        vtag = 0x10000000 + i
        chunk = bytes.fromhex(v["dtls_chunk"])
        frames.append(frame(sctp_packet(vtag, chunk)))
        keylog.append(f"SCTP_DTLS {vtag:08x} {1 if v['restart'] else 0} {v['epoch']} "
                      f"{int(v['cipher_suite'], 16):04x} {v['key']} {v['iv']} {v['sn_key']}")
        expect.append(("vector", i, v, chunk))
    if args.gen:
        out = subprocess.run([args.gen], capture_output=True, text=True, timeout=240, check=True)
        for line in out.stdout.splitlines():
            kind, rest = line.split(" ", 1)
            if kind == "KEYLOG":
                keylog.append(rest)
                continue
            seq, plain, packet = rest.split(" ")
            packet = bytes.fromhex(packet)
            crc = struct.unpack_from("<I", packet, 8)[0]
            if crc32c(packet[:8] + bytes(4) + packet[12:]) != crc:
                raise SystemExit("record_gen wrote a bad CRC32c")
            vtag = struct.unpack_from("!I", packet, 4)[0]
            key = [k for k in keylog if k.split()[1] == f"{vtag:08x}"][-1].split()
            v = {"epoch": int(key[3]), "restart": key[2] == "1",
                 "record_sequence_number": int(seq), "plaintext_chunks": plain,
                 "dtls_padding_bytes": None}
            frames.append(frame(packet))
            expect.append(("vector", f"gen {vtag:08x}/{seq}", v, packet[12:]))
    # Raw SCTP over IPv4 (protocol 132): a vector again, one without key-management messages
    # (the stock dissector sees its DATA as a retransmission and then skips the payload).
    r = [i for i, v in enumerate(vectors)
         if all(ppid != 4242 for _, _, ppid in parse_chunks(bytes.fromhex(v["plaintext_chunks"])))][-1]
    chunk = bytes.fromhex(vectors[r]["dtls_chunk"])
    frames.append(frame(sctp_packet(0x10000000 + r, chunk), raw=True))
    expect.append(("vector", f"raw {r}", vectors[r], chunk))
    frames.append(frame(sctp_packet(0, init_with_km_parameter())))
    expect.append(("init", None, None, None))
    frames.append(frame(sctp_packet(0x22222222, abort_with_causes())))
    expect.append(("abort", None, None, None))
    # Key-management messages in clear (before protection): a TLS record with a minimal
    # ClientHello (RFC 8446 §4.1.2) and a Protection Established control message.
    hello = bytes.fromhex("0303") + bytes(range(32)) + bytes.fromhex("00" "00021301" "0100" "0000")
    handshake = bytes([1]) + len(hello).to_bytes(3, "big") + hello
    client_hello = bytes.fromhex("160301") + len(handshake).to_bytes(2, "big") + handshake
    frames.append(frame(sctp_packet(0x44444444, data_chunk(7, 4242, bytes([0x03]) + client_hello) +
                                    data_chunk(8, 4242, bytes([0x83, 0x01])))))
    expect.append(("km_plain", None, None, None))
    # Vector 0 again with one flipped bit in its authentication tag.
    bad = bytearray(bytes.fromhex(vectors[0]["dtls_chunk"]))
    tag_end = struct.unpack_from("!H", bad, 2)[0]
    bad[tag_end - 1] ^= 0x01
    frames.append(frame(sctp_packet(0x10000000, bytes(bad))))
    expect.append(("bad_tag", None, None, bytes(bad)))
    # Vector 0 under a verification tag the key log does not know.
    frames.append(frame(sctp_packet(0x33333333, bytes.fromhex(vectors[0]["dtls_chunk"]))))
    expect.append(("no_key", None, None, None))

    tmp = args.keep or tempfile.mkdtemp(prefix="sctps-ws-")
    os.makedirs(tmp, exist_ok=True)
    pcap = os.path.join(tmp, "dtls-vectors.pcap")
    keylog_path = os.path.join(tmp, "dtls-vectors.keylog")
    write_pcap(pcap, frames)
    with open(keylog_path, "w") as f:
        f.write("# sctps key log for the DTLS chunk vectors\n" + "\n".join(keylog) + "\n")

    # The vectors' user messages carry arbitrary bytes under PPIDs that stock dissectors own
    # (e.g. 60 NGAP): those would call them malformed, which says nothing about this dissector.
    ppids = {ppid for kind, _, v, _ in expect if kind == "vector"
             for t, _, ppid in parse_chunks(bytes.fromhex(v["plaintext_chunks"]))
             if t == 0 and ppid != 4242}
    disabled = payload_protocols(args.tshark, ppids)

    c = Checker()
    for mode in ("keylog", "no_keylog"):
        rows = run_tshark(args.tshark, args.lua, pcap, keylog_path if mode == "keylog" else None,
                          disabled)
        c.check(len(rows) == len(frames), f"{mode}: {len(rows)} rows for {len(frames)} frames")
        for row, (kind, i, v, chunk) in zip(rows, expect):
            where = f"{mode} frame {row['frame.number']} ({kind} {'' if i is None else i})"
            c.check(not row["_ws.malformed"], f"{where}: malformed")
            sev = [as_int(s) for s in row["_ws.expert.severity"]]
            c.check(all(s < EXPERT_ERROR for s in sev),
                    f"{where}: error expert info {row['_ws.expert.message']}")
            if kind == "vector":
                inner = parse_chunks(bytes.fromhex(v["plaintext_chunks"]))
                types = [t for t, _, _ in inner]
                c.check([as_int(x) for x in row["sctps_dtls.length"]] ==
                        [struct.unpack_from("!H", chunk, 2)[0]], f"{where}: chunk length")
                c.check([as_int(x) for x in row["sctps_dtls.encrypted_seq"]] ==
                        [struct.unpack_from("!H", chunk, 6)[0]], f"{where}: encrypted seq")
                c.check([as_int(x) for x in row["sctps_dtls.unified_hdr.epoch"]] ==
                        [v["epoch"] & 3], f"{where}: epoch bits")
                c.check([as_bool(x) for x in row["sctps_dtls.flags.r"]] == [v["restart"]],
                        f"{where}: R bit")
                if mode == "keylog":
                    c.check([as_bool(x) for x in row["sctps_dtls.decrypted"]] == [True],
                            f"{where}: decrypted {row['sctps_dtls.decrypted']} "
                            f"{row['_ws.expert.message']}")
                    c.check([as_int(x) for x in row["sctps_dtls.epoch"]] == [v["epoch"]],
                            f"{where}: epoch {row['sctps_dtls.epoch']}")
                    c.check([as_int(x) for x in row["sctps_dtls.seq"]] ==
                            [v["record_sequence_number"]], f"{where}: seq {row['sctps_dtls.seq']}")
                    if v["dtls_padding_bytes"] is not None:
                        c.check([as_int(x) for x in row["sctps_dtls.inner_padding"]] ==
                                [v["dtls_padding_bytes"]], f"{where}: inner padding")
                    c.check([as_int(x) for x in row["sctps_dtls.inner_chunk_type"]] == types,
                            f"{where}: inner types {row['sctps_dtls.inner_chunk_type']} != {types}")
                    # Wireshark's own SCTP dissector ran on the inner chunks.
                    c.check([as_int(x) for x in row["sctp.chunk_type"]] == [0x41] + types,
                            f"{where}: sctp.chunk_type {row['sctp.chunk_type']}")
                    tsns = [tsn for t, tsn, _ in inner if t == 0]
                    c.check([as_int(x) for x in row["sctp.data_tsn_raw"]] == tsns,
                            f"{where}: TSNs {row['sctp.data_tsn_raw']} != {tsns}")
                    km = [ppid for t, _, ppid in inner if t == 0 and ppid == 4242]
                    c.check(len(row["sctps_km.epoch"]) == len(km),
                            f"{where}: key-management messages {row['sctps_km.epoch']}")
                    if km:
                        c.check([as_int(x) for x in row["sctps_km.epoch"]] == [3] and
                                [as_bool(x) for x in row["sctps_km.t"]] == [False],
                                f"{where}: key-management header")
                    # A TLS record inside a key-management message is shown by the TLS dissector.
                    alerts = [0x28 for t, _, ppid in inner if t == 0 and ppid == 4242
                              and i is not None and str(i).startswith("gen")]
                    c.check([as_int(x) for x in row["tls.alert_message.desc"]] == alerts,
                            f"{where}: TLS alerts {row['tls.alert_message.desc']}")
                else:
                    c.check([as_bool(x) for x in row["sctps_dtls.decrypted"]] == [False],
                            f"{where}: must not decrypt without key log")
                    c.check(not row["sctps_dtls.inner_chunk_type"] and not row["sctps_dtls.seq"],
                            f"{where}: inner chunks shown without key log")
                    c.check([as_int(x) for x in row["sctp.chunk_type"]] == [0x41],
                            f"{where}: sctp.chunk_type {row['sctp.chunk_type']}")
                    c.check("Not decrypted: no key log configured" in row["_ws.expert.message"],
                            f"{where}: expert {row['_ws.expert.message']}")
            elif kind == "init":
                c.check([as_int(x) for x in row["sctps_dtls.km.tie_breaker"]] == [0xA1B2C3D4],
                        f"{where}: tie breaker {row['sctps_dtls.km.tie_breaker']}")
                c.check([as_bool(row[f"sctps_dtls.km.flags.{b}"][0]) for b in "csr"] ==
                        [True, True, True], f"{where}: C/S/R flags")
                c.check([as_int(x) for x in row["sctps_dtls.km.method"]] == [192, 0],
                        f"{where}: methods {row['sctps_dtls.km.method']}")
            elif kind == "abort":
                c.check([as_int(x) for x in row["sctps_dtls.cause.code"]] == [100, 101, 102, 103],
                        f"{where}: causes {row['sctps_dtls.cause.code']}")
            elif kind == "km_plain":
                c.check([as_bool(x) for x in row["sctps_km.t"]] == [False, True] and
                        [as_int(x) for x in row["sctps_km.epoch"]] == [3, 3] and
                        [as_int(x) for x in row["sctps_km.ctrl_type"]] == [1],
                        f"{where}: key-management headers {row['sctps_km.t']} "
                        f"{row['sctps_km.epoch']} {row['sctps_km.ctrl_type']}")
                c.check([as_int(x) for x in row["tls.handshake.type"]] == [1],
                        f"{where}: TLS handshake {row['tls.handshake.type']}")
            elif kind in ("bad_tag", "no_key"):
                c.check([as_bool(x) for x in row["sctps_dtls.decrypted"]] == [False],
                        f"{where}: must not decrypt")
                c.check(not row["sctps_dtls.inner_chunk_type"], f"{where}: inner chunks shown")
                if mode == "keylog":
                    want = ("authentication failed" if kind == "bad_tag" else "no key for vtag")
                    c.check(any(want in m for m in row["_ws.expert.message"]),
                            f"{where}: expert {row['_ws.expert.message']}")

    # Hostile input: mutated and truncated copies of every packet. Whatever the dissector makes
    # of them, it must not fail (a Lua error or an internal error shows as expert info).
    rnd = random.Random(8)
    fuzz = []
    for data in list(sctp_packets):
        for _ in range(20):
            b = bytearray(data)
            for _ in range(rnd.randint(1, 4)):
                b[rnd.randrange(12, len(b))] = rnd.randrange(256)
            if rnd.random() < 0.3:
                b = b[:rnd.randrange(12, len(b))]
            if rnd.random() < 0.3 and len(b) >= 16:
                struct.pack_into("!H", b, 14, rnd.choice([0, 1, 4, 5, 8, 24, 25, 26, len(b) - 12,
                                                          len(b) - 11, 0xFFFF]))
            fuzz.append(frame(bytes(b)))
    fuzz_pcap = os.path.join(tmp, "fuzz.pcap")
    write_pcap(fuzz_pcap, fuzz)
    rows = run_tshark(args.tshark, args.lua, fuzz_pcap, keylog_path, disabled)
    c.check(len(rows) == len(fuzz), f"fuzz: {len(rows)} rows for {len(fuzz)} frames")
    for row in rows:
        bad = [m for m in row["_ws.expert.message"] if "Lua Error" in m or "Dissector error" in m]
        c.check(not bad, f"fuzz frame {row['frame.number']}: {bad}")

    print(f"{c.passed} passed, {c.failed} failed")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
