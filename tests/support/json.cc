#include "support/json.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sctps::test {

[[noreturn]] static void fail(const char* what) {
  std::fprintf(stderr, "json: %s\n", what);
  std::abort();
}

class JsonParser {
 public:
  explicit JsonParser(std::string_view s) : s_(s) {}

  Json value() {
    ws();
    if (pos_ >= s_.size()) fail("unexpected end");
    Json j;
    const char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      Json::Object o;
      ws();
      if (peek() == '}') {
        ++pos_;
      } else {
        for (;;) {
          ws();
          std::string k = string();
          ws();
          expect(':');
          o.emplace(std::move(k), value());
          ws();
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          expect('}');
          break;
        }
      }
      j.v_ = std::move(o);
    } else if (c == '[') {
      ++pos_;
      Json::Array a;
      ws();
      if (peek() == ']') {
        ++pos_;
      } else {
        for (;;) {
          a.push_back(value());
          ws();
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          expect(']');
          break;
        }
      }
      j.v_ = std::move(a);
    } else if (c == '"') {
      j.v_ = string();
    } else if (s_.substr(pos_, 4) == "true") {
      pos_ += 4;
      j.v_ = true;
    } else if (s_.substr(pos_, 5) == "false") {
      pos_ += 5;
      j.v_ = false;
    } else if (s_.substr(pos_, 4) == "null") {
      pos_ += 4;
      j.v_ = nullptr;
    } else {
      std::size_t used = 0;
      const std::string rest(s_.substr(pos_, 64));
      const double d = std::stod(rest, &used);
      if (used == 0) fail("bad number");
      pos_ += used;
      j.v_ = d;
    }
    return j;
  }
  void finish() {
    ws();
    if (pos_ != s_.size()) fail("trailing characters");
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  void expect(char c) {
    if (peek() != c) fail("unexpected character");
    ++pos_;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c == '\\') {
        if (pos_ >= s_.size()) fail("bad escape");
        const char e = s_[pos_++];
        switch (e) {
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case 'r': c = '\r'; break;
          case 'b': c = '\b'; break;
          case 'f': c = '\f'; break;
          case 'u': {
            if (pos_ + 4 > s_.size()) fail("bad \\u escape");
            const unsigned long cp = std::stoul(std::string(s_.substr(pos_, 4)), nullptr, 16);
            pos_ += 4;
            if (cp > 0x7F) fail("non-ASCII \\u escape not supported");
            c = static_cast<char>(cp);
            break;
          }
          default: c = e;
        }
      }
      out.push_back(c);
    }
    expect('"');
    return out;
  }
  std::string_view s_;
  std::size_t pos_ = 0;
};

Json Json::parse(std::string_view text) {
  JsonParser p(text);
  Json j = p.value();
  p.finish();
  return j;
}

Json Json::parse_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "json: cannot open %s\n", path.c_str());
    std::abort();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str());
}

const Json& Json::operator[](const std::string& key) const {
  const auto* o = std::get_if<Object>(&v_);
  if (!o) fail("not an object");
  auto it = o->find(key);
  if (it == o->end()) fail("missing key");
  return it->second;
}
const Json& Json::operator[](std::size_t i) const {
  const auto& a = array();
  if (i >= a.size()) fail("index out of range");
  return a[i];
}
bool Json::contains(const std::string& key) const {
  const auto* o = std::get_if<Object>(&v_);
  return o && o->count(key) > 0;
}
std::size_t Json::size() const {
  if (const auto* a = std::get_if<Array>(&v_)) return a->size();
  if (const auto* o = std::get_if<Object>(&v_)) return o->size();
  fail("size of a scalar");
}
const std::string& Json::str() const {
  const auto* s = std::get_if<std::string>(&v_);
  if (!s) fail("not a string");
  return *s;
}
double Json::number() const {
  const auto* d = std::get_if<double>(&v_);
  if (!d) fail("not a number");
  return *d;
}
bool Json::boolean() const {
  const auto* b = std::get_if<bool>(&v_);
  if (!b) fail("not a boolean");
  return *b;
}
const Json::Array& Json::array() const {
  const auto* a = std::get_if<Array>(&v_);
  if (!a) fail("not an array");
  return *a;
}

}  // namespace sctps::test
