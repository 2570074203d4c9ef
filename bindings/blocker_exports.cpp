// Raw wasm exports of the tracker engine, for bindings/js/engine.js. The hot path takes
// no strings across the boundary: the JS layer writes the URL and the page into a buffer
// in linear memory (TextEncoder.encodeInto) and passes lengths; the verdict comes back
// packed in one integer, its details through small accessors.
#include <emscripten/emscripten.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "consentry/blocker.hpp"

namespace {

using consentry::blocker;
using consentry::page_context;
using consentry::verdict;

struct blocker_handle {
  blocker engine;
  std::uint8_t* image = nullptr;  ///< the one copy of the image, read in place
  char* buffer = nullptr;         ///< the URL at [0, capacity), the page at [capacity, 2 capacity)
  std::size_t capacity = 0;
  page_context page;
  verdict last;
  std::string text;  ///< the last string an accessor returned
};

std::string last_error;
int last_error_code = 0;

/// Packs a verdict: bits 0-1 the kind, bit 2 an exception, bits 3-18 the vendor + 1.
int pack(const verdict& v) {
  int packed = static_cast<int>(v.kind) | (v.exception ? 4 : 0);
  if (v.vendor != consentry::no_vendor) packed |= static_cast<int>((v.vendor + 1) << 3);
  return packed;
}

}  // namespace

extern "C" {

/// Memory for the JS layer to write into: 8-byte aligned, as the image needs.
EMSCRIPTEN_KEEPALIVE void* consentry_alloc(std::size_t size) { return std::aligned_alloc(8, (size + 7) & ~std::size_t{7}); }
EMSCRIPTEN_KEEPALIVE void consentry_free(void* pointer) { std::free(pointer); }

/// Loads an image the JS layer copied to `image` (from consentry_alloc), taking it over.
/// Null on error: consentry_error_code() is the image_error_code + 1, consentry_error_*
/// the message.
EMSCRIPTEN_KEEPALIVE blocker_handle* consentry_blocker_load(std::uint8_t* image, std::size_t size) {
  auto loaded = blocker::load({image, size});
  if (!loaded) {
    last_error_code = static_cast<int>(loaded.error().code) + 1;
    last_error = loaded.error().message;
    std::free(image);
    return nullptr;
  }
  auto* handle = new (std::nothrow) blocker_handle;
  if (handle == nullptr) {
    std::free(image);
    return nullptr;
  }
  handle->engine = *loaded;
  handle->image = image;
  return handle;
}

EMSCRIPTEN_KEEPALIVE int consentry_error_code() { return last_error_code; }
EMSCRIPTEN_KEEPALIVE const char* consentry_error_data() { return last_error.data(); }
EMSCRIPTEN_KEEPALIVE std::size_t consentry_error_length() { return last_error.size(); }

EMSCRIPTEN_KEEPALIVE void consentry_blocker_free(blocker_handle* handle) {
  if (handle == nullptr) return;
  std::free(handle->image);
  std::free(handle->buffer);
  delete handle;
}

/// The request buffer, grown to hold a URL and a page of `capacity` bytes each. Growing
/// forgets the page (the next match must pass it).
EMSCRIPTEN_KEEPALIVE char* consentry_blocker_buffer(blocker_handle* handle, std::size_t capacity) {
  if (capacity > handle->capacity) {
    char* grown = static_cast<char*>(std::malloc(2 * capacity));
    if (grown == nullptr) return nullptr;
    std::free(handle->buffer);
    handle->buffer = grown;
    handle->capacity = capacity;
    handle->page.assign({});
  }
  return handle->buffer;
}

/// The verdict for the URL in the buffer; the page is in the buffer too, or, when
/// `page_length` is negative, the same as the previous call's.
EMSCRIPTEN_KEEPALIVE int consentry_blocker_match(blocker_handle* handle, std::size_t url_length, int type,
                                                 int page_length) {
  if (url_length > handle->capacity || type < 0 || type >= static_cast<int>(consentry::request_type_count)) return 0;
  if (page_length >= 0) {
    const auto length = std::min(static_cast<std::size_t>(page_length), handle->capacity);
    handle->page.assign(std::string_view(handle->buffer + handle->capacity, length));
  }
  handle->last = handle->engine.match(std::string_view(handle->buffer, url_length),
                                      static_cast<consentry::request_type>(type), handle->page);
  return pack(handle->last);
}

/// Where the last verdict's host lies in the URL buffer (bytes), and its length.
EMSCRIPTEN_KEEPALIVE std::size_t consentry_blocker_host_offset(blocker_handle* handle) {
  return handle->last.host.empty() ? 0 : static_cast<std::size_t>(handle->last.host.data() - handle->buffer);
}
EMSCRIPTEN_KEEPALIVE std::size_t consentry_blocker_host_length(blocker_handle* handle) {
  return handle->last.host.size();
}

/// The last verdict's filter in Adblock Plus syntax; then consentry_blocker_text_*.
EMSCRIPTEN_KEEPALIVE void consentry_blocker_describe(blocker_handle* handle) {
  handle->text = handle->engine.describe_filter(handle->last);
}

/// Strings of the image: `which` 0 a vendor's id, 1 its name, 2 a purpose's id.
EMSCRIPTEN_KEEPALIVE void consentry_blocker_string(blocker_handle* handle, int which, std::size_t index) {
  std::string_view s;
  if (which == 0) s = handle->engine.vendor(index).id;
  if (which == 1) s = handle->engine.vendor(index).name;
  if (which == 2) s = handle->engine.purpose(index).id;
  handle->text.assign(s);
}
EMSCRIPTEN_KEEPALIVE const char* consentry_blocker_text_data(blocker_handle* handle) { return handle->text.data(); }
EMSCRIPTEN_KEEPALIVE std::size_t consentry_blocker_text_length(blocker_handle* handle) {
  return handle->text.size();
}

EMSCRIPTEN_KEEPALIVE std::size_t consentry_blocker_vendor_count(blocker_handle* handle) {
  return handle->engine.vendor_count();
}
EMSCRIPTEN_KEEPALIVE std::size_t consentry_blocker_purpose_count(blocker_handle* handle) {
  return handle->engine.purpose_count();
}
/// Purpose bits as two 32-bit halves (`high` 0 or 1): JS numbers hold 32-bit masks exactly.
EMSCRIPTEN_KEEPALIVE std::uint32_t consentry_blocker_vendor_purposes(blocker_handle* handle, std::size_t index,
                                                                     int high) {
  const auto bits = handle->engine.vendor(index).purposes;
  return static_cast<std::uint32_t>(high ? bits >> 32 : bits);
}
EMSCRIPTEN_KEEPALIVE std::uint32_t consentry_blocker_default_granted(blocker_handle* handle, int high) {
  const auto bits = handle->engine.default_granted();
  return static_cast<std::uint32_t>(high ? bits >> 32 : bits);
}
EMSCRIPTEN_KEEPALIVE int consentry_blocker_purpose_basis(blocker_handle* handle, std::size_t index) {
  return static_cast<int>(handle->engine.purpose(index).basis);
}
EMSCRIPTEN_KEEPALIVE std::size_t consentry_blocker_filter_count(blocker_handle* handle) {
  return handle->engine.filter_count();
}

/// The request_type for a name in the buffer (webRequest names and aliases), or -1.
EMSCRIPTEN_KEEPALIVE int consentry_request_type(const char* name, std::size_t length) {
  const auto type = consentry::request_type_from_name(std::string_view(name, length));
  return type ? static_cast<int>(*type) : -1;
}

}  // extern "C"
