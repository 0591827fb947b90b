-- sctps-dtls.lua: Wireshark/tshark 4.0 dissector for the SCTP DTLS chunk
-- (draft-ietf-tsvwg-sctp-dtls-chunk), with decryption from an sctps key log.
--
-- Load:  tshark -X lua_script:contrib/wireshark/sctps-dtls.lua \
--               -o sctps_dtls.keylog_file:/path/to/keylog -r capture.pcap
-- Docs:  docs/wireshark.md
--
-- How it hooks in (why not a chunk-type table): Wireshark 4.0's SCTP dissector offers
-- dissector tables only for ports and PPIDs ("sctp.port", "sctp.ppi"), none for chunk
-- types, and it shows chunk 0x41, parameter 0x8006 and causes 100-103 as unknown. So this
-- script is a postdissector: after the stock dissectors ran, it takes every SCTP layer of
-- the frame (field "sctp"), and for those with something of ours adds its own tree. The
-- stock SCTP dissector keeps its registrations (UDP port 9899 of RFC 6951, IP protocol 132,
-- its port preference) and its own malformed-packet handling. Decrypted chunks are given
-- to the stock SCTP dissector again, as a new data source (a synthetic common header + the
-- inner chunks), so DATA, SACK and the rest look as usual and the usual display filters
-- (sctp.data_tsn_raw, ...) match them. PPID 4242 is registered in "sctp.ppi".
--
-- Wireshark 4.0's Lua has no crypto bindings, so AES (128/256), GCM, ChaCha20 and Poly1305
-- are implemented below on bit32. They are slow but a debugging capture is small; they are
-- checked against tests/vectors/dtls-chunk-vectors.json by tests/wireshark/.
--
-- Lua 5.2 numbers are doubles: integers are exact up to 2^53, which covers the 48-bit
-- record sequence numbers and all intermediate values used here (Poly1305 uses 13-bit limbs
-- so that sums of products stay far below 2^53).

local band, bor, bxor, bnot = bit32.band, bit32.bor, bit32.bxor, bit32.bnot
local lshift, rshift, lrotate = bit32.lshift, bit32.rshift, bit32.lrotate
local floor = math.floor

---------------------------------------------------------------------------------------------
-- Byte helpers (byte strings are Lua tables of integers 0..255, 1-based)
---------------------------------------------------------------------------------------------

local function hex_to_bytes(hex)
    if #hex % 2 ~= 0 or hex:find("[^0-9a-fA-F]") then return nil end
    local out = {}
    for i = 1, #hex, 2 do out[#out + 1] = tonumber(hex:sub(i, i + 1), 16) end
    return out
end

local function tvb_bytes(tvb, offset, len)
    local out = {}
    if len <= 0 then return out end
    local ba = tvb:range(offset, len):bytes()
    for i = 0, len - 1 do out[i + 1] = ba:get_index(i) end
    return out
end

local function slice(b, first, last)
    local out = {}
    for i = first, last do out[#out + 1] = b[i] end
    return out
end

local function bytes_to_bytearray(b)
    local ba = ByteArray.new()
    ba:set_size(#b)
    for i = 1, #b do ba:set_index(i - 1, b[i]) end
    return ba
end

---------------------------------------------------------------------------------------------
-- AES block cipher (FIPS 197), encryption direction only: GCM and the sequence-number mask
-- need nothing else.
---------------------------------------------------------------------------------------------

local function xtime(a)
    a = a * 2
    if a >= 256 then a = bxor(a, 0x11B) end
    return a
end

-- S-box built at load time: walk GF(2^8) with generator 3 and its inverse, then apply the
-- affine transform (FIPS 197 §5.1.1).
local SBOX = {}
do
    local function rotl8(x, n) return band(bor(lshift(x, n), rshift(x, 8 - n)), 0xFF) end
    local p, q = 1, 1
    repeat
        p = band(bxor(p, xtime(p)), 0xFF)  -- p * 3
        q = bxor(q, lshift(q, 1))          -- q / 3
        q = bxor(q, lshift(q, 2))
        q = bxor(q, lshift(q, 4))
        q = band(q, 0xFF)
        if band(q, 0x80) ~= 0 then q = bxor(q, 0x09) end
        SBOX[p] = bxor(q, rotl8(q, 1), rotl8(q, 2), rotl8(q, 3), rotl8(q, 4), 0x63)
    until p == 1
    SBOX[0] = 0x63
end

local XTIME = {}
for i = 0, 255 do XTIME[i] = xtime(i) end

-- Key schedule (FIPS 197 §5.2); returns round keys as a flat 0-based byte table.
local function aes_expand(key)
    local nk = #key / 4
    local nr = nk + 6
    local w = {}
    for i = 0, #key - 1 do w[i] = key[i + 1] end
    local rcon = 1
    for i = nk, 4 * (nr + 1) - 1 do
        local p = 4 * (i - 1)
        local t0, t1, t2, t3 = w[p], w[p + 1], w[p + 2], w[p + 3]
        if i % nk == 0 then
            t0, t1, t2, t3 = bxor(SBOX[t1], rcon), SBOX[t2], SBOX[t3], SBOX[t0]
            rcon = XTIME[rcon]
        elseif nk > 6 and i % nk == 4 then
            t0, t1, t2, t3 = SBOX[t0], SBOX[t1], SBOX[t2], SBOX[t3]
        end
        local q = 4 * (i - nk)
        w[4 * i], w[4 * i + 1] = bxor(w[q], t0), bxor(w[q + 1], t1)
        w[4 * i + 2], w[4 * i + 3] = bxor(w[q + 2], t2), bxor(w[q + 3], t3)
    end
    return { w = w, nr = nr }
end

-- Encrypts one 16-byte block (1-based table) and returns a new 1-based table.
local function aes_encrypt(ks, block)
    local w, nr = ks.w, ks.nr
    local s = {}
    for i = 0, 15 do s[i] = bxor(block[i + 1], w[i]) end
    local t = {}
    for round = 1, nr do
        -- SubBytes and ShiftRows: row r of column c comes from column c + r.
        for c = 0, 3 do
            for r = 0, 3 do t[4 * c + r] = SBOX[s[4 * ((c + r) % 4) + r]] end
        end
        if round < nr then
            for c = 0, 3 do  -- MixColumns
                local a0, a1, a2, a3 = t[4 * c], t[4 * c + 1], t[4 * c + 2], t[4 * c + 3]
                local x = bxor(a0, a1, a2, a3)
                t[4 * c] = bxor(a0, x, XTIME[bxor(a0, a1)])
                t[4 * c + 1] = bxor(a1, x, XTIME[bxor(a1, a2)])
                t[4 * c + 2] = bxor(a2, x, XTIME[bxor(a2, a3)])
                t[4 * c + 3] = bxor(a3, x, XTIME[bxor(a3, a0)])
            end
        end
        local k = 16 * round
        for i = 0, 15 do s[i] = bxor(t[i], w[k + i]) end
    end
    local out = {}
    for i = 0, 15 do out[i + 1] = s[i] end
    return out
end

---------------------------------------------------------------------------------------------
-- AES-GCM (NIST SP 800-38D) with 96-bit nonces and 128-bit tags
---------------------------------------------------------------------------------------------

local function be32(b, i)
    return ((b[i] * 256 + b[i + 1]) * 256 + b[i + 2]) * 256 + b[i + 3]
end

-- Multiplication in GF(2^128) with GCM's reflected bit order, on four 32-bit words.
local function gf_mul(x0, x1, x2, x3, h)
    local z0, z1, z2, z3 = 0, 0, 0, 0
    local v0, v1, v2, v3 = h[1], h[2], h[3], h[4]
    local xs = { x0, x1, x2, x3 }
    for wi = 1, 4 do
        local xw = xs[wi]
        for bitpos = 31, 0, -1 do
            if band(rshift(xw, bitpos), 1) ~= 0 then
                z0, z1, z2, z3 = bxor(z0, v0), bxor(z1, v1), bxor(z2, v2), bxor(z3, v3)
            end
            local lsb = band(v3, 1)
            v3 = bor(rshift(v3, 1), lshift(band(v2, 1), 31))
            v2 = bor(rshift(v2, 1), lshift(band(v1, 1), 31))
            v1 = bor(rshift(v1, 1), lshift(band(v0, 1), 31))
            v0 = rshift(v0, 1)
            if lsb ~= 0 then v0 = bxor(v0, 0xE1000000) end
        end
    end
    return z0, z1, z2, z3
end

-- GHASH over aad and ct (each zero-padded to 16 bytes) and the length block.
local function ghash(h, aad, ct)
    local y0, y1, y2, y3 = 0, 0, 0, 0
    local function absorb(data)
        for off = 1, #data, 16 do
            local blk = {}
            for i = 0, 15 do blk[i + 1] = data[off + i] or 0 end
            y0, y1, y2, y3 = gf_mul(bxor(y0, be32(blk, 1)), bxor(y1, be32(blk, 5)),
                                    bxor(y2, be32(blk, 9)), bxor(y3, be32(blk, 13)), h)
        end
    end
    absorb(aad)
    absorb(ct)
    -- Bit lengths as two 64-bit big-endian values; records are far below 2^29 bytes.
    y0, y1, y2, y3 = gf_mul(y0, bxor(y1, #aad * 8), y2, bxor(y3, #ct * 8), h)
    local out = {}
    for i, wv in ipairs({ y0, y1, y2, y3 }) do
        out[4 * i - 3] = band(rshift(wv, 24), 0xFF)
        out[4 * i - 2] = band(rshift(wv, 16), 0xFF)
        out[4 * i - 1] = band(rshift(wv, 8), 0xFF)
        out[4 * i] = band(wv, 0xFF)
    end
    return out
end

local function gcm_counter_block(nonce, counter)
    local blk = {}
    for i = 1, 12 do blk[i] = nonce[i] end
    blk[13] = band(rshift(counter, 24), 0xFF)
    blk[14] = band(rshift(counter, 16), 0xFF)
    blk[15] = band(rshift(counter, 8), 0xFF)
    blk[16] = band(counter, 0xFF)
    return blk
end

local function gcm_hash_key(ks)
    local zero = {}
    for i = 1, 16 do zero[i] = 0 end
    local hb = aes_encrypt(ks, zero)
    return { be32(hb, 1), be32(hb, 5), be32(hb, 9), be32(hb, 13) }
end

-- The tag check needs GHASH (independent of the nonce, so cached per record by the caller
-- in `cache`) and one block cipher call; the payload is decrypted only after it matched.
local function gcm_open(ctx, nonce, aad, ct, tag, cache)
    if not cache.ghash then cache.ghash = ghash(ctx.h, aad, ct) end
    local ek0 = aes_encrypt(ctx.ks, gcm_counter_block(nonce, 1))
    local diff = 0
    for i = 1, 16 do diff = bor(diff, bxor(tag[i], bxor(cache.ghash[i], ek0[i]))) end
    if diff ~= 0 then return nil end
    local pt = {}
    local counter = 2
    for off = 1, #ct, 16 do
        local ks = aes_encrypt(ctx.ks, gcm_counter_block(nonce, counter))
        counter = counter + 1
        for i = 0, 15 do
            local c = ct[off + i]
            if c == nil then break end
            pt[off + i] = bxor(c, ks[i + 1])
        end
    end
    return pt
end

---------------------------------------------------------------------------------------------
-- ChaCha20 and Poly1305 (RFC 8439)
---------------------------------------------------------------------------------------------

local function le32(b, i)
    return ((b[i + 3] * 256 + b[i + 2]) * 256 + b[i + 1]) * 256 + b[i]
end

local function add32(a, b) return (a + b) % 4294967296 end

-- One 64-byte keystream block; key 32 bytes, nonce 12 bytes (1-based tables).
local function chacha20_block(key, counter, nonce)
    local st = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 }
    for i = 0, 7 do st[5 + i] = le32(key, 1 + 4 * i) end
    st[13] = counter
    for i = 0, 2 do st[14 + i] = le32(nonce, 1 + 4 * i) end
    local x = {}
    for i = 1, 16 do x[i] = st[i] end
    local function qr(a, b, c, d)
        x[a] = add32(x[a], x[b]); x[d] = lrotate(bxor(x[d], x[a]), 16)
        x[c] = add32(x[c], x[d]); x[b] = lrotate(bxor(x[b], x[c]), 12)
        x[a] = add32(x[a], x[b]); x[d] = lrotate(bxor(x[d], x[a]), 8)
        x[c] = add32(x[c], x[d]); x[b] = lrotate(bxor(x[b], x[c]), 7)
    end
    for _ = 1, 10 do
        qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15); qr(4, 8, 12, 16)
        qr(1, 6, 11, 16); qr(2, 7, 12, 13); qr(3, 8, 9, 14); qr(4, 5, 10, 15)
    end
    local out = {}
    for i = 1, 16 do
        local v = add32(x[i], st[i])
        for j = 0, 3 do out[4 * (i - 1) + j + 1] = band(rshift(v, 8 * j), 0xFF) end
    end
    return out
end

-- Little-endian byte string -> ten 13-bit limbs (130 bits).
local function to_limbs13(b)
    local limbs = {}
    for i = 0, 9 do
        local bitpos = 13 * i
        local idx = floor(bitpos / 8) + 1
        local v = (b[idx] or 0) + (b[idx + 1] or 0) * 256 + (b[idx + 2] or 0) * 65536
        limbs[i] = floor(v / 2 ^ (bitpos % 8)) % 8192
    end
    return limbs
end

local function carry13(h)
    for i = 0, 8 do
        local c = floor(h[i] / 8192)
        h[i] = h[i] - c * 8192
        h[i + 1] = h[i + 1] + c
    end
    local c = floor(h[9] / 8192)
    h[9] = h[9] - c * 8192
    h[0] = h[0] + 5 * c  -- 2^130 = 5 (mod 2^130 - 5)
end

local function poly1305(key, msg)
    local rb = slice(key, 1, 16)
    for _, i in ipairs({ 4, 8, 12, 16 }) do rb[i] = band(rb[i], 15) end
    for _, i in ipairs({ 5, 9, 13 }) do rb[i] = band(rb[i], 252) end
    local r = to_limbs13(rb)
    local r5 = {}
    for i = 0, 9 do r5[i] = 5 * r[i] end
    local h = {}
    for i = 0, 9 do h[i] = 0 end
    for off = 1, #msg, 16 do
        local blk = {}
        local n = math.min(16, #msg - off + 1)
        for i = 1, n do blk[i] = msg[off + i - 1] end
        blk[n + 1] = 1
        for i = n + 2, 17 do blk[i] = 0 end
        local m = to_limbs13(blk)
        for i = 0, 9 do h[i] = h[i] + m[i] end
        local d = {}
        for k = 0, 9 do
            local sum = 0
            for i = 0, 9 do
                local j = k - i
                if j >= 0 then sum = sum + h[i] * r[j] else sum = sum + h[i] * r5[j + 10] end
            end
            d[k] = sum
        end
        carry13(d)
        carry13(d)
        h = d
    end
    carry13(h)
    carry13(h)
    -- Final reduction: if h + 5 reaches 2^130, h >= p and h - p = h + 5 - 2^130.
    local g = {}
    local c = 5
    for i = 0, 9 do
        local v = h[i] + c
        c = floor(v / 8192)
        g[i] = v - c * 8192
    end
    if c > 0 then h = g end
    -- tag = (h + s) mod 2^128, little-endian.
    local out = {}
    local acc, nbits, idx = 0, 0, 0
    local carry = 0
    for i = 0, 9 do
        acc = acc + h[i] * 2 ^ nbits
        nbits = nbits + 13
        while nbits >= 8 and idx < 16 do
            local byte = acc % 256
            acc = (acc - byte) / 256
            nbits = nbits - 8
            local v = byte + key[17 + idx] + carry
            out[idx + 1] = v % 256
            carry = floor(v / 256)
            idx = idx + 1
        end
    end
    return out
end

local function le64_bytes(n)
    local out = {}
    for i = 1, 8 do
        out[i] = n % 256
        n = floor(n / 256)
    end
    return out
end

local function chacha_poly_open(ctx, nonce, aad, ct, tag)
    local otk = slice(chacha20_block(ctx.key, 0, nonce), 1, 32)
    local mac = {}
    local function append(t)
        for i = 1, #t do mac[#mac + 1] = t[i] end
        while #mac % 16 ~= 0 do mac[#mac + 1] = 0 end
    end
    append(aad)
    append(ct)
    for _, v in ipairs(le64_bytes(#aad)) do mac[#mac + 1] = v end
    for _, v in ipairs(le64_bytes(#ct)) do mac[#mac + 1] = v end
    local expect = poly1305(otk, mac)
    local diff = 0
    for i = 1, 16 do diff = bor(diff, bxor(tag[i], expect[i])) end
    if diff ~= 0 then return nil end
    local pt = {}
    local counter = 1
    for off = 1, #ct, 64 do
        local ks = chacha20_block(ctx.key, counter, nonce)
        counter = counter + 1
        for i = 0, 63 do
            local c = ct[off + i]
            if c == nil then break end
            pt[off + i] = bxor(c, ks[i + 1])
        end
    end
    return pt
end

---------------------------------------------------------------------------------------------
-- CRC32c (RFC 9260 Appendix A) for the synthetic common header of decrypted packets, so a
-- user who enables SCTP checksum verification sees no false "bad checksum".
---------------------------------------------------------------------------------------------

local CRC32C = {}
for i = 0, 255 do
    local c = i
    for _ = 1, 8 do
        if band(c, 1) ~= 0 then c = bxor(rshift(c, 1), 0x82F63B78) else c = rshift(c, 1) end
    end
    CRC32C[i] = c
end

local function crc32c(b)
    local c = 0xFFFFFFFF
    for i = 1, #b do c = bxor(CRC32C[band(bxor(c, b[i]), 0xFF)], rshift(c, 8)) end
    return bnot(c)
end

---------------------------------------------------------------------------------------------
-- Cipher suites (RFC 8446 B.4) and the record-number mask (RFC 9147 §4.2.3)
---------------------------------------------------------------------------------------------

local SUITES = {
    [0x1301] = { name = "TLS_AES_128_GCM_SHA256", key_len = 16, aes = true },
    [0x1302] = { name = "TLS_AES_256_GCM_SHA384", key_len = 32, aes = true },
    [0x1303] = { name = "TLS_CHACHA20_POLY1305_SHA256", key_len = 32, aes = false },
}

local function key_contexts(entry)
    if entry.ctx then return entry.ctx end
    local ctx = {}
    if SUITES[entry.suite].aes then
        ctx.ks = aes_expand(entry.key)
        ctx.h = gcm_hash_key(ctx.ks)
        ctx.sn_ks = aes_expand(entry.sn_key)
    else
        ctx.key = entry.key
    end
    entry.ctx = ctx
    return ctx
end

-- The two mask bytes for a record whose ciphertext (after the unified header) is `ct`.
local function sequence_mask(entry, ct)
    local ctx = key_contexts(entry)
    local sample = slice(ct, 1, 16)
    if SUITES[entry.suite].aes then
        local m = aes_encrypt(ctx.sn_ks, sample)
        return m[1], m[2]
    end
    -- ChaCha20: the first 4 sample bytes are the block counter (little-endian), the rest
    -- the nonce; the mask is the start of that keystream block.
    local m = chacha20_block(entry.sn_key, le32(sample, 1), slice(sample, 5, 16))
    return m[1], m[2]
end

-- Per-record nonce: IV XOR the 64-bit record sequence number (RFC 8446 §5.3).
local function record_nonce(iv, seq)
    local nonce = {}
    for i = 1, 12 do nonce[i] = iv[i] end
    local s = seq
    for i = 12, 5, -1 do
        local byte = s % 256
        s = (s - byte) / 256
        nonce[i] = bxor(nonce[i], byte)
    end
    return nonce
end

local function aead_open(entry, seq, aad, ct, tag, cache)
    local ctx = key_contexts(entry)
    local nonce = record_nonce(entry.iv, seq)
    if SUITES[entry.suite].aes then return gcm_open(ctx, nonce, aad, ct, tag, cache) end
    return chacha_poly_open(ctx, nonce, aad, ct, tag)
end

-- RFC 9147 §4.2.2: the full number is the one closest to one more than the highest number
-- successfully deprotected so far with this key.
local SEQ_MAX = 2 ^ 48
local SEQ_SEARCH_MAX = 4096
local function reconstruct_sequence(expected, low16)
    local cand = expected - expected % 65536 + low16
    if cand > expected + 32768 and cand >= 65536 then
        cand = cand - 65536
    elseif cand + 32768 < expected and cand + 65536 < SEQ_MAX then
        cand = cand + 65536
    end
    return cand
end

---------------------------------------------------------------------------------------------
-- Key log (specs/README.md reading #6):
--   SCTP_DTLS <vtag 8 hex> <R 0|1> <epoch decimal> <suite 4 hex> <key> <iv> <sn_key>
---------------------------------------------------------------------------------------------

local keylog = {
    path = "",
    size = -1,
    entries = {},  -- "vtag:R:epoch&3" -> list of key entries
    lines = 0,
    bad_lines = 0,
}

local function keylog_slot(vtag, r, epoch_bits)
    return string.format("%08x:%d:%d", vtag, r, epoch_bits)
end

local function parse_keylog_line(line)
    local vtag, r, epoch, suite, key, iv, sn =
        line:match("^SCTP_DTLS%s+(%x+)%s+([01])%s+(%d+)%s+(%x+)%s+(%x+)%s+(%x+)%s+(%x+)%s*$")
    if not vtag or #vtag ~= 8 or #suite ~= 4 then return nil end
    local suite_id = tonumber(suite, 16)
    local info = SUITES[suite_id]
    if not info then return nil end
    local e = {
        vtag = tonumber(vtag, 16),
        r = tonumber(r),
        epoch = tonumber(epoch),
        suite = suite_id,
        key = hex_to_bytes(key),
        iv = hex_to_bytes(iv),
        sn_key = hex_to_bytes(sn),
        highest = -1,  -- highest record number deprotected with this key so far
    }
    if not e.key or #e.key ~= info.key_len or not e.iv or #e.iv ~= 12 or not e.sn_key
        or #e.sn_key ~= info.key_len or e.epoch >= 65536 then
        return nil
    end
    return e
end

local function file_size(path)
    local f = io.open(path, "rb")
    if not f then return -1 end
    local size = f:seek("end")
    f:close()
    return size or -1
end

-- Reads the whole file again; keys already known keep their sequence-number state.
local function load_keylog(path)
    local old = keylog.entries
    keylog.path = path
    keylog.entries = {}
    keylog.lines, keylog.bad_lines = 0, 0
    keylog.size = -1
    if path == nil or path == "" then return end
    local f = io.open(path, "r")
    if not f then return end
    for line in f:lines() do
        line = line:gsub("\r$", "")
        if line:match("^SCTP_DTLS%s") then
            local e = parse_keylog_line(line)
            if e then
                local slot = keylog_slot(e.vtag, e.r, e.epoch % 4)
                local list = keylog.entries[slot] or {}
                local known = nil
                for _, o in ipairs(old[slot] or {}) do
                    if o.epoch == e.epoch and o.suite == e.suite and
                        table.concat(o.key, ",") == table.concat(e.key, ",") then
                        known = o
                    end
                end
                list[#list + 1] = known or e
                keylog.entries[slot] = list
                keylog.lines = keylog.lines + 1
            else
                keylog.bad_lines = keylog.bad_lines + 1
            end
        end
    end
    f:close()
    keylog.size = file_size(path)
end

-- A live capture's key log grows while packets arrive: re-read it when a lookup misses and
-- the file has changed size.
local function lookup_keys(vtag, r, epoch_bits)
    local slot = keylog_slot(vtag, r, epoch_bits)
    local list = keylog.entries[slot]
    if (not list) and keylog.path ~= "" and file_size(keylog.path) ~= keylog.size then
        load_keylog(keylog.path)
        list = keylog.entries[slot]
    end
    return list
end

---------------------------------------------------------------------------------------------
-- Protocol, fields, expert infos
---------------------------------------------------------------------------------------------

local proto = Proto("sctps_dtls", "SCTP DTLS Chunk (sctps)")

local CHUNK_NAMES = {
    [0] = "DATA", [1] = "INIT", [2] = "INIT_ACK", [3] = "SACK", [4] = "HEARTBEAT",
    [5] = "HEARTBEAT_ACK", [6] = "ABORT", [7] = "SHUTDOWN", [8] = "SHUTDOWN_ACK",
    [9] = "ERROR", [10] = "COOKIE_ECHO", [11] = "COOKIE_ACK", [14] = "SHUTDOWN_COMPLETE",
    [64] = "I_DATA", [65] = "DTLS", [128] = "ASCONF_ACK", [130] = "RE_CONFIG", [132] = "PAD",
    [192] = "FORWARD_TSN", [193] = "ASCONF", [194] = "I_FORWARD_TSN",
}
local SUITE_NAMES = {}
for id, s in pairs(SUITES) do SUITE_NAMES[id] = s.name end
local KM_METHODS = { [0] = "Pre-shared keys", [192] = "TLS 1.3 (draft-porfiri)" }
local CAUSES = {
    [100] = "Missing DTLS Chunk Support",
    [101] = "No Common DTLS Key Management Method",
    [102] = "DTLS Key Management Tie Breaker Collision",
    [103] = "Incompatible DTLS Key Management Roles",
}
local CONTENT_TYPES = { [21] = "alert", [22] = "handshake", [23] = "application_data",
                        [25] = "tls12_cid", [26] = "ack" }

local f = {
    chunk = ProtoField.bytes("sctps_dtls.chunk", "DTLS chunk"),
    chunk_type = ProtoField.uint8("sctps_dtls.chunk_type", "Chunk type", base.HEX, CHUNK_NAMES),
    flags = ProtoField.uint8("sctps_dtls.flags", "Chunk flags", base.HEX),
    flags_reserved = ProtoField.uint8("sctps_dtls.flags.reserved", "Reserved", base.HEX, nil, 0xFE),
    flags_r = ProtoField.bool("sctps_dtls.flags.r", "R (restart key context)", 8, nil, 0x01),
    length = ProtoField.uint16("sctps_dtls.length", "Chunk length", base.DEC),
    pre_padding = ProtoField.uint8("sctps_dtls.pre_padding", "Pre-padding", base.HEX),
    unified_hdr = ProtoField.uint8("sctps_dtls.unified_hdr", "Unified header", base.HEX),
    hdr_fixed = ProtoField.uint8("sctps_dtls.unified_hdr.fixed", "Fixed bits", base.HEX, nil, 0xE0),
    hdr_c = ProtoField.bool("sctps_dtls.unified_hdr.c", "C (connection id present)", 8, nil, 0x10),
    hdr_s = ProtoField.bool("sctps_dtls.unified_hdr.s", "S (16-bit sequence number)", 8, nil, 0x08),
    hdr_l = ProtoField.bool("sctps_dtls.unified_hdr.l", "L (length present)", 8, nil, 0x04),
    hdr_epoch = ProtoField.uint8("sctps_dtls.unified_hdr.epoch", "Epoch (low 2 bits)", base.DEC,
                                 nil, 0x03),
    enc_seq = ProtoField.uint16("sctps_dtls.encrypted_seq", "Encrypted sequence number", base.HEX),
    enc_record = ProtoField.bytes("sctps_dtls.encrypted_record", "Encrypted record"),
    post_padding = ProtoField.bytes("sctps_dtls.post_padding", "Post-padding"),
    decrypted = ProtoField.bool("sctps_dtls.decrypted", "Decrypted"),
    epoch = ProtoField.uint16("sctps_dtls.epoch", "Epoch (from key log)", base.DEC),
    suite = ProtoField.uint16("sctps_dtls.cipher_suite", "Cipher suite", base.HEX, SUITE_NAMES),
    seq_low = ProtoField.uint16("sctps_dtls.seq_low", "Sequence number (low 16 bits)", base.DEC),
    seq = ProtoField.uint64("sctps_dtls.seq", "Record sequence number", base.DEC),
    seq_searched = ProtoField.bool("sctps_dtls.seq_searched",
                                   "Sequence number found by search (capture started late)"),
    content_type = ProtoField.uint8("sctps_dtls.content_type", "Inner content type", base.DEC,
                                    CONTENT_TYPES),
    inner_padding = ProtoField.uint32("sctps_dtls.inner_padding", "Inner zero padding", base.DEC),
    auth_tag = ProtoField.bytes("sctps_dtls.auth_tag", "Authentication tag"),
    inner_chunks = ProtoField.bytes("sctps_dtls.inner_chunks", "Inner chunks"),
    inner_chunk_type = ProtoField.uint8("sctps_dtls.inner_chunk_type", "Inner chunk type",
                                        base.DEC, CHUNK_NAMES),

    km = ProtoField.bytes("sctps_dtls.km", "DTLS Key Management parameter"),
    km_type = ProtoField.uint16("sctps_dtls.km.type", "Parameter type", base.HEX),
    km_length = ProtoField.uint16("sctps_dtls.km.length", "Parameter length", base.DEC),
    km_tie_breaker = ProtoField.uint32("sctps_dtls.km.tie_breaker", "Tie breaker", base.HEX),
    km_flags = ProtoField.uint8("sctps_dtls.km.flags", "Flags", base.HEX),
    km_reserved = ProtoField.uint8("sctps_dtls.km.flags.reserved", "Reserved", base.HEX, nil, 0xF8),
    km_r = ProtoField.bool("sctps_dtls.km.flags.r", "R (restart supported)", 8, nil, 0x04),
    km_s = ProtoField.bool("sctps_dtls.km.flags.s", "S (server role supported)", 8, nil, 0x02),
    km_c = ProtoField.bool("sctps_dtls.km.flags.c", "C (client role supported)", 8, nil, 0x01),
    km_method = ProtoField.uint8("sctps_dtls.km.method", "Key management method", base.DEC,
                                 KM_METHODS),
    km_padding = ProtoField.bytes("sctps_dtls.km.padding", "Padding"),

    cause = ProtoField.bytes("sctps_dtls.cause", "Error cause"),
    cause_code = ProtoField.uint16("sctps_dtls.cause.code", "Cause code", base.DEC, CAUSES),
    cause_length = ProtoField.uint16("sctps_dtls.cause.length", "Cause length", base.DEC),
}
local field_list = {}
for _, v in pairs(f) do field_list[#field_list + 1] = v end
proto.fields = field_list

local ex = {
    no_keylog = ProtoExpert.new("sctps_dtls.no_keylog", "Not decrypted: no key log configured",
                                expert.group.DECRYPTION, expert.severity.NOTE),
    no_key = ProtoExpert.new("sctps_dtls.no_key",
                             "Not decrypted: no key in the key log for this verification tag, R bit and epoch",
                             expert.group.DECRYPTION, expert.severity.NOTE),
    auth_failed = ProtoExpert.new("sctps_dtls.auth_failed",
                                  "Not decrypted: authentication failed with every matching key",
                                  expert.group.DECRYPTION, expert.severity.WARN),
    bad_inner = ProtoExpert.new("sctps_dtls.bad_inner",
                                "Decrypted record has no application_data content type",
                                expert.group.DECRYPTION, expert.severity.WARN),
    seq_searched = ProtoExpert.new("sctps_dtls.seq_searched.expert",
                                   "Sequence number found by search: capture started after 32768 records of this key",
                                   expert.group.SEQUENCE, expert.severity.NOTE),
    bad_chunk = ProtoExpert.new("sctps_dtls.bad_chunk", "DTLS chunk does not follow the draft's fixed layout",
                                expert.group.PROTOCOL, expert.severity.WARN),
    bad_param = ProtoExpert.new("sctps_dtls.bad_param", "Invalid DTLS Key Management parameter",
                                expert.group.PROTOCOL, expert.severity.WARN),
    inner_malformed = ProtoExpert.new("sctps_dtls.inner_malformed", "Malformed inner chunks",
                                      expert.group.MALFORMED, expert.severity.ERROR),
    internal = ProtoExpert.new("sctps_dtls.internal", "Dissector error while decrypting",
                               expert.group.DECRYPTION, expert.severity.WARN),
}
proto.experts = { ex.no_keylog, ex.no_key, ex.auth_failed, ex.bad_inner, ex.seq_searched,
                  ex.bad_chunk, ex.bad_param, ex.inner_malformed, ex.internal }

proto.prefs.keylog_file = Pref.string("Key log file", "",
    "sctps key log (SCTP_DTLS lines, see docs/wireshark.md); written by sctps when asked with "
    .. "--keylog or SCTPS_KEYLOGFILE")
proto.prefs.seq_search = Pref.uint("Sequence search windows", 16,
    "When the first record seen for a key fails to authenticate, also try this many 65536-record "
    .. "windows of sequence numbers (helps captures that start late; at most 4096)")

local sctp_handle = Dissector.get("sctp")
local tls_handle = Dissector.get("tls")

-- Per-frame results, so that revisits in the GUI show what the first pass found and the
-- per-key sequence tracking only advances in capture order (RFC 9147 §4.2.2 is stateful).
local results = {}

function proto.init()
    results = {}
    load_keylog(proto.prefs.keylog_file)
    for _, list in pairs(keylog.entries) do
        for _, e in ipairs(list) do e.highest = -1 end
    end
end

function proto.prefs_changed()
    load_keylog(proto.prefs.keylog_file)
end

---------------------------------------------------------------------------------------------
-- Decryption of one DTLS chunk
---------------------------------------------------------------------------------------------

-- Returns a result table: { status = "ok"|"no_keylog"|"no_key"|"auth_failed", entry, seq,
-- seq_low, searched, plaintext }.
local function decrypt_record(vtag, r, hdr, enc_seq_hi, enc_seq_lo, record)
    if keylog.path == "" then return { status = "no_keylog" } end
    local list = lookup_keys(vtag, r, band(hdr, 3))
    if not list or #list == 0 then
        if keylog.size < 0 then return { status = "unreadable" } end
        return { status = "no_key" }
    end
    local tag = slice(record, #record - 15, #record)
    local ct = slice(record, 1, #record - 16)
    -- Most recently successful key first.
    local order = {}
    for _, e in ipairs(list) do order[#order + 1] = e end
    table.sort(order, function(a, b) return (a.last_frame or -1) > (b.last_frame or -1) end)
    for _, e in ipairs(order) do
        local m1, m2 = sequence_mask(e, record)
        local hi, lo = bxor(enc_seq_hi, m1), bxor(enc_seq_lo, m2)
        local low16 = hi * 256 + lo
        local aad = { hdr, hi, lo }
        local cache = {}
        local seq = reconstruct_sequence(e.highest + 1, low16)
        local pt = aead_open(e, seq, aad, ct, tag, cache)
        local searched = false
        if not pt and e.highest < 0 then
            -- Bounded: a failing record costs one AEAD check per window.
            for k = 0, math.min(proto.prefs.seq_search, SEQ_SEARCH_MAX) - 1 do
                local cand = k * 65536 + low16
                if cand ~= seq then
                    pt = aead_open(e, cand, aad, ct, tag, cache)
                    if pt then
                        seq, searched = cand, true
                        break
                    end
                end
            end
        end
        if pt then
            return { status = "ok", entry = e, seq = seq, seq_low = low16, searched = searched,
                     plaintext = pt }
        end
    end
    return { status = "auth_failed" }
end

---------------------------------------------------------------------------------------------
-- Tree builders
---------------------------------------------------------------------------------------------

local function add_km_parameter(tvb, tree, off, plen)
    local avail = math.min(plen, tvb:len() - off)
    local item = tree:add(f.km, tvb:range(off, avail))
    item:set_text("DTLS Key Management parameter (0x8006)")
    item:add(f.km_type, tvb:range(off, 2))
    item:add(f.km_length, tvb:range(off + 2, 2))
    -- Length is 9 + number of methods (draft §4.1), so at least one method: 10.
    if plen < 10 or avail < plen then
        item:add_proto_expert_info(ex.bad_param, "Parameter length " .. plen .. " is invalid")
        return
    end
    item:add(f.km_tie_breaker, tvb:range(off + 4, 4))
    local fl = item:add(f.km_flags, tvb:range(off + 8, 1))
    fl:add(f.km_reserved, tvb:range(off + 8, 1))
    fl:add(f.km_r, tvb:range(off + 8, 1))
    fl:add(f.km_s, tvb:range(off + 8, 1))
    fl:add(f.km_c, tvb:range(off + 8, 1))
    local methods = {}
    for i = off + 9, off + plen - 1 do
        item:add(f.km_method, tvb:range(i, 1))
        local m = tvb:range(i, 1):uint()
        methods[#methods + 1] = KM_METHODS[m] or tostring(m)
    end
    local padded = plen + (4 - plen % 4) % 4
    if off + padded <= tvb:len() and padded > plen then
        item:add(f.km_padding, tvb:range(off + plen, padded - plen))
    end
    item:append_text(": methods " .. table.concat(methods, ", "))
end

local function add_cause(tvb, tree, off, clen, code)
    local item = tree:add(f.cause, tvb:range(off, math.min(clen, tvb:len() - off)))
    item:set_text(string.format("Error cause %d: %s", code, CAUSES[code]))
    item:add(f.cause_code, tvb:range(off, 2))
    item:add(f.cause_length, tvb:range(off + 2, 2))
end

-- Walks the chunks from `off` and reports what the stock dissector does not know: DTLS
-- chunks (on.dtls), the 0x8006 parameter of INIT / INIT ACK (on.km) and causes 100-103 in
-- ABORT / ERROR (on.cause). Never reads past the buffer.
local function walk_chunks(tvb, off, on)
    local total = tvb:len()
    local index = 0
    while off + 4 <= total do
        local ctype = tvb:range(off, 1):uint()
        local clen = tvb:range(off + 2, 2):uint()
        if clen < 4 then break end
        local chunk_end = off + math.min(clen, total - off)
        if ctype == 0x41 then
            index = index + 1
            on.dtls(off, clen, index)
        elseif (ctype == 1 or ctype == 2) and chunk_end - off >= 20 then
            local p = off + 20
            while p + 4 <= chunk_end do
                local ptype = tvb:range(p, 2):uint()
                local plen = tvb:range(p + 2, 2):uint()
                if plen < 4 then break end
                if ptype == 0x8006 then on.km(p, plen) end
                p = p + plen + (4 - plen % 4) % 4
            end
        elseif ctype == 6 or ctype == 9 then
            local p = off + 4
            while p + 4 <= chunk_end do
                local code = tvb:range(p, 2):uint()
                local plen = tvb:range(p + 2, 2):uint()
                if plen < 4 then break end
                if CAUSES[code] then on.cause(p, plen, code) end
                p = p + plen + (4 - plen % 4) % 4
            end
        end
        off = off + clen + (4 - clen % 4) % 4
    end
end

local function annotate_chunks(tvb, tree, off, on_dtls)
    walk_chunks(tvb, off, {
        dtls = on_dtls,
        km = function(p, plen) add_km_parameter(tvb, tree, p, plen) end,
        cause = function(p, plen, code) add_cause(tvb, tree, p, plen, code) end,
    })
end

local function has_own_content(tvb, off)
    local found = false
    local function mark() found = true end
    walk_chunks(tvb, off, { dtls = mark, km = mark, cause = mark })
    return found
end

local function hand_to_sctp(tvb, pinfo, tree, inner)
    -- Synthetic common header: the real ports and verification tag, a fresh CRC32c.
    local pkt = tvb_bytes(tvb, 0, 8)
    for _ = 1, 4 do pkt[#pkt + 1] = 0 end
    for i = 1, #inner do pkt[#pkt + 1] = inner[i] end
    local crc = crc32c(pkt)
    -- The CRC32c goes on the wire least significant byte first (RFC 9260 Appendix A).
    for i = 0, 3 do pkt[9 + i] = band(rshift(crc, 8 * i), 0xFF) end
    if #inner == 0 then
        tree:add(f.inner_chunks, tvb:range(0, 0)):set_text("Inner chunks: none (empty record)")
        return
    end
    local itvb = bytes_to_bytearray(pkt):tvb("Decrypted SCTP packet")
    local sub = tree:add(f.inner_chunks, itvb:range(12))
    sub:set_text(string.format("Inner chunks (%d bytes)", #inner))
    local p = 12
    while p + 4 <= itvb:len() do
        local clen = itvb:range(p + 2, 2):uint()
        sub:add(f.inner_chunk_type, itvb:range(p, 1))
        if clen < 4 then break end
        p = p + clen + (4 - clen % 4) % 4
    end
    annotate_chunks(itvb, sub, 12, function() end)
    -- The stock dissector throws on malformed input; Dissector.call turns that into a Lua error,
    -- which is caught here and shown as what it is: malformed chunks inside an authentic record.
    local ok, err = pcall(function() sctp_handle:call(itvb, pinfo, sub) end)
    if not ok then sub:add_proto_expert_info(ex.inner_malformed, "Malformed inner chunks: " .. tostring(err)) end
end

local function dissect_dtls_chunk(tvb, pinfo, tree, off, clen, chunk_index)
    local total = tvb:len()
    local avail = math.min(clen, total - off)
    local padded = clen + (4 - clen % 4) % 4
    local item = tree:add(f.chunk, tvb:range(off, math.min(padded, total - off)))
    item:set_text("DTLS chunk")
    item:add(f.chunk_type, tvb:range(off, 1))
    local fl = item:add(f.flags, tvb:range(off + 1, 1))
    fl:add(f.flags_reserved, tvb:range(off + 1, 1))
    fl:add(f.flags_r, tvb:range(off + 1, 1))
    item:add(f.length, tvb:range(off + 2, 2))
    local r = band(tvb:range(off + 1, 1):uint(), 1)
    -- Fixed layout (draft §4.2, Figure 5): pre-padding, 0x28|epoch, 16-bit sequence number,
    -- then ciphertext with at least one content-type byte and the 16-byte tag.
    if avail < clen or clen < 4 + 1 + 3 + 17 then
        item:add_proto_expert_info(ex.bad_chunk, "DTLS chunk too short or truncated")
        return
    end
    item:add(f.pre_padding, tvb:range(off + 4, 1))
    local hdr = tvb:range(off + 5, 1):uint()
    local hi = item:add(f.unified_hdr, tvb:range(off + 5, 1))
    hi:add(f.hdr_fixed, tvb:range(off + 5, 1))
    hi:add(f.hdr_c, tvb:range(off + 5, 1))
    hi:add(f.hdr_s, tvb:range(off + 5, 1))
    hi:add(f.hdr_l, tvb:range(off + 5, 1))
    hi:add(f.hdr_epoch, tvb:range(off + 5, 1))
    item:add(f.enc_seq, tvb:range(off + 6, 2))
    local rec_off, rec_len = off + 8, clen - 8
    item:add(f.enc_record, tvb:range(rec_off, rec_len))
    if padded > clen and off + padded <= total then
        item:add(f.post_padding, tvb:range(off + clen, padded - clen))
    end
    item:append_text(string.format(", R=%d, epoch bits %d", r, band(hdr, 3)))
    if band(hdr, 0xFC) ~= 0x28 then
        hi:add_proto_expert_info(ex.bad_chunk,
            string.format("Unified header 0x%02x is not 0x28|epoch (C=0, S=1, L=0)", hdr))
        return
    end

    local vtag = tvb:range(4, 4):uint()
    local key = pinfo.number .. ":" .. chunk_index
    local res = results[key]
    if not res then
        local ok, out = pcall(decrypt_record, vtag, r, hdr, tvb:range(off + 6, 1):uint(),
                              tvb:range(off + 7, 1):uint(), tvb_bytes(tvb, rec_off, rec_len))
        if not ok then
            res = { status = "internal", message = tostring(out) }
        else
            res = out
        end
        if res.status == "ok" and not pinfo.visited then
            if res.seq > res.entry.highest then res.entry.highest = res.seq end
            res.entry.last_frame = pinfo.number
        end
        -- Misses are not cached: the key log may gain the key later in a live capture.
        if res.status == "ok" then results[key] = res end
    end

    if res.status ~= "ok" then
        item:add(f.decrypted, false):set_generated()
        if res.status == "no_keylog" then
            item:add_proto_expert_info(ex.no_keylog)
        elseif res.status == "unreadable" then
            item:add_proto_expert_info(ex.no_keylog, "Not decrypted: cannot read the key log " .. keylog.path)
        elseif res.status == "no_key" then
            item:add_proto_expert_info(ex.no_key, string.format(
                "Not decrypted: no key for vtag 0x%08x, R=%d, epoch bits %d", vtag, r, band(hdr, 3)))
        elseif res.status == "auth_failed" then
            item:add_proto_expert_info(ex.auth_failed)
        else
            item:add_proto_expert_info(ex.internal, "Dissector error: " .. (res.message or "?"))
        end
        return
    end

    local e = res.entry
    item:add(f.decrypted, true):set_generated()
    item:add(f.epoch, e.epoch):set_generated()
    item:add(f.suite, e.suite):set_generated()
    item:add(f.seq_low, tvb:range(off + 6, 2), res.seq_low):set_generated()
    local seq_hi = floor(res.seq / 4294967296)
    item:add(f.seq, tvb:range(off + 6, 2), UInt64.new(res.seq - seq_hi * 4294967296, seq_hi))
        :set_generated()
    if res.searched then
        item:add(f.seq_searched, true):set_generated()
        item:add_proto_expert_info(ex.seq_searched)
    end
    item:add(f.auth_tag, tvb:range(off + clen - 16, 16))
    item:append_text(string.format(", epoch %d, seq %.0f", e.epoch, res.seq))

    -- DTLSInnerPlaintext (RFC 9147 §4 / RFC 8446 §5.2): content, type byte, zero padding.
    local pt = res.plaintext
    local n = #pt
    while n > 0 and pt[n] == 0 do n = n - 1 end
    if n == 0 or pt[n] ~= 23 then
        item:add_proto_expert_info(ex.bad_inner, n == 0 and "Decrypted record is all zeros"
            or string.format("Inner content type %d, expected 23 (application_data)", pt[n]))
        return
    end
    item:add(f.content_type, 23):set_generated()
    item:add(f.inner_padding, #pt - n):set_generated()
    hand_to_sctp(tvb, pinfo, item, slice(pt, 1, n - 1))
end

---------------------------------------------------------------------------------------------
-- Key-management user messages, PPID 4242 (draft-porfiri §4): one byte T|epoch, then TLS
-- records (T=0) or a control message (T=1).
---------------------------------------------------------------------------------------------

local km_proto = Proto("sctps_km", "SCTP DTLS Key Management Message (sctps)")
local kmf = {
    t = ProtoField.bool("sctps_km.t", "T (control message)", 8, nil, 0x80),
    epoch = ProtoField.uint8("sctps_km.epoch", "Epoch (low 7 bits)", base.DEC, nil, 0x7F),
    ctrl_type = ProtoField.uint8("sctps_km.ctrl_type", "Control type", base.HEX,
                                 { [1] = "Protection Established" }),
    ctrl_data = ProtoField.bytes("sctps_km.ctrl_data", "Control data"),
    payload = ProtoField.bytes("sctps_km.payload", "Payload (not TLS records)"),
}
km_proto.fields = { kmf.t, kmf.epoch, kmf.ctrl_type, kmf.ctrl_data, kmf.payload }
local km_malformed = ProtoExpert.new("sctps_km.malformed", "Malformed key-management message",
                                     expert.group.MALFORMED, expert.severity.ERROR)
km_proto.experts = { km_malformed }

-- A TLS record starts with a known content type and legacy version 0x03xx (RFC 8446 §5.1).
local function looks_like_tls(tvb, off)
    if tvb:len() - off < 5 then return false end
    local ct = tvb:range(off, 1):uint()
    return ct >= 20 and ct <= 24 and tvb:range(off + 1, 1):uint() == 3
end

function km_proto.dissector(tvb, pinfo, tree)
    if tvb:len() < 1 then return 0 end
    local item = tree:add(km_proto, tvb:range(0, tvb:len()))
    item:add(kmf.t, tvb:range(0, 1))
    item:add(kmf.epoch, tvb:range(0, 1))
    local b = tvb:range(0, 1):uint()
    local epoch = band(b, 0x7F)
    if band(b, 0x80) ~= 0 then
        item:append_text(string.format(", control, epoch %d", epoch))
        if tvb:len() >= 2 then
            item:add(kmf.ctrl_type, tvb:range(1, 1))
            if tvb:len() > 2 then item:add(kmf.ctrl_data, tvb:range(2)) end
        end
        pinfo.cols.info:append(string.format(" (KM control, epoch %d)", epoch))
        return tvb:len()
    end
    item:append_text(string.format(", TLS records, epoch %d", epoch))
    if tvb:len() == 1 then return 1 end
    if tls_handle and looks_like_tls(tvb, 1) then
        -- Dissector.call turns the TLS dissector's exceptions into Lua errors: catch them.
        local ok, err = pcall(function() tls_handle:call(tvb:range(1):tvb(), pinfo, tree) end)
        if not ok then
            item:add_proto_expert_info(km_malformed, "Malformed TLS records: " .. tostring(err))
        end
        -- TLS writes its Info text without a trailing separator; SCTP appends the next chunk.
        pinfo.cols.info:append(" ")
    else
        item:add(kmf.payload, tvb:range(1))
    end
    return tvb:len()
end

DissectorTable.get("sctp.ppi"):add(4242, km_proto)

---------------------------------------------------------------------------------------------
-- Entry points
---------------------------------------------------------------------------------------------

-- One SCTP packet (common header + chunks) that carries something of ours.
local function dissect_sctp_layer(tvb, pinfo, tree, layer)
    -- The stock dissector names chunk 0x41 "RESERVED" in the Info column; it is the DTLS chunk.
    local info = tostring(pinfo.cols.info)
    if info:find("RESERVED", 1, true) then
        pinfo.cols.info:clear_fence()
        pinfo.cols.info:set((info:gsub("RESERVED", "DTLS")))
        pinfo.cols.info:fence()
    end
    local root = tree:add(proto, tvb:range(0, tvb:len()))
    local dtls_seen = false
    annotate_chunks(tvb, root, 12, function(off, clen, index)
        dtls_seen = true
        dissect_dtls_chunk(tvb, pinfo, root, off, clen, layer .. ":" .. index)
    end)
    if dtls_seen then pinfo.cols.protocol:set("SCTP/DTLS") end
end

-- Every SCTP layer the stock dissector found in this frame (UDP-encapsulated on any port it
-- knows, raw over IPv4/IPv6, or inside tunnels). Field.new must run at load time.
local sctp_field = Field.new("sctp")

function proto.dissector(tvb, pinfo, tree)
    local layers = { sctp_field() }
    for layer, fi in ipairs(layers) do
        local range = fi.range
        -- Plain SCTP packets get no extra tree; only those with something of ours.
        if range and range:len() >= 12 then
            local stvb = range:tvb()
            if has_own_content(stvb, 12) then dissect_sctp_layer(stvb, pinfo, tree, layer) end
        end
    end
end

-- A postdissector rather than a replacement of "udp.port" 9899 / "ip.proto" 132: the stock
-- SCTP dissector keeps its own registration, its preferences (UDP port) and its exception
-- handling (a truncated packet stays marked malformed by it, not turned into a Lua error).
register_postdissector(proto)
