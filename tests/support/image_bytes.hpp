// Reading and patching a compiled rules image, for the engine's tests and fuzz targets:
// a value at an offset, and the checksum recomputed, as an attacker would, so that a
// change reaches the loader's structural checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../../core/src/detail/blocker_image.hpp"

namespace consentry::test {

template <class T>
T read_at(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

template <class T>
void write_at(std::vector<std::uint8_t>& bytes, std::size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

/// Recomputes the image's checksum over its bytes.
inline void reseal(std::vector<std::uint8_t>& bytes) {
  write_at(bytes, detail::image::checksum_offset, detail::image_checksum(bytes.data(), bytes.size()));
}

}  // namespace consentry::test
