// A small JSON reader for the test vector files (objects, arrays, strings, numbers,
// true/false/null). Test code only; strings support the escapes the vector files use.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sctps::test {

class Json {
 public:
  using Object = std::map<std::string, Json>;
  using Array = std::vector<Json>;

  static Json parse(std::string_view text);  // aborts on malformed input
  static Json parse_file(const std::string& path);

  bool is_object() const { return std::holds_alternative<Object>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  const Json& operator[](const std::string& key) const;  // aborts when missing
  const Json& operator[](std::size_t i) const;
  bool contains(const std::string& key) const;
  std::size_t size() const;
  const std::string& str() const;
  double number() const;
  long long integer() const { return static_cast<long long>(number()); }
  bool boolean() const;
  const Array& array() const;

 private:
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> v_;
  friend class JsonParser;
};

}  // namespace sctps::test
