// The WAL-gathering VFS (sqlite_wal_gather.hpp): a shim in the manner of SQLite's own
// test_vfstrace.c and test_multiplex.c, each file of ours holding the default VFS's
// file right after it and passing every call on, but for a WAL file's writes.
#include "sqlite_wal_gather.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace consentry::server {
namespace {

constexpr const char* vfs_name = "consentry-wal-gather";
constexpr std::size_t flush_at = std::size_t{4} << 20;  // bytes gathered before they are written anyway
constexpr std::size_t piece = 120 * 1024;  // the default VFS's unix write masks a size with 0x1ffff

thread_local int sync_deferrals = 0;

std::atomic<std::uint64_t> write_count{0};
std::atomic<std::uint64_t> flush_count{0};
std::atomic<std::uint64_t> deferred_count{0};

sqlite3_vfs* base_vfs = nullptr;  // set once, before our VFS is registered

struct gathering_file {
  sqlite3_file base;    // what SQLite sees: its pMethods are ours
  sqlite3_file* inner;  // the default VFS's file, in the same allocation, after this
  bool wal;
  std::vector<char> gathered;
  sqlite3_int64 gathered_at = 0;  // where in the file the gathered bytes go
};

/// Room for our part, rounded so that the default VFS's file after it is aligned.
constexpr std::size_t inner_offset = (sizeof(gathering_file) + alignof(std::max_align_t) - 1) /
                                     alignof(std::max_align_t) * alignof(std::max_align_t);

gathering_file* self(sqlite3_file* file) { return reinterpret_cast<gathering_file*>(file); }
sqlite3_file* inner(sqlite3_file* file) { return self(file)->inner; }

/// Writes what was gathered through the default VFS (which writes in a loop until all
/// is written, and says SQLITE_FULL or SQLITE_IOERR_WRITE when it cannot). Gathered
/// bytes are forgotten on failure too: SQLite then gives up the transaction they were
/// part of, and nothing it reads or commits later depends on them.
int flush(gathering_file* f) {
  int code = SQLITE_OK;
  for (std::size_t done = 0; done < f->gathered.size() && code == SQLITE_OK; done += piece) {
    const auto size = std::min(piece, f->gathered.size() - done);
    code = f->inner->pMethods->xWrite(f->inner, f->gathered.data() + done, static_cast<int>(size),
                                      f->gathered_at + static_cast<sqlite3_int64>(done));
    flush_count.fetch_add(1, std::memory_order_relaxed);
  }
  f->gathered.clear();
  return code;
}

int x_close(sqlite3_file* file) {
  auto* f = self(file);
  const int flushed = flush(f);
  const int closed = f->inner->pMethods->xClose(f->inner);
  f->~gathering_file();
  return flushed != SQLITE_OK ? flushed : closed;
}

int x_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  if (flush(self(file)) != SQLITE_OK) return SQLITE_IOERR_READ;
  return inner(file)->pMethods->xRead(inner(file), out, amount, offset);
}

int x_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  auto* f = self(file);
  if (!f->wal) return f->inner->pMethods->xWrite(f->inner, data, amount, offset);
  write_count.fetch_add(1, std::memory_order_relaxed);
  if (!f->gathered.empty() && offset != f->gathered_at + static_cast<sqlite3_int64>(f->gathered.size())) {
    if (const int code = flush(f); code != SQLITE_OK) return code;
  }
  try {
    if (f->gathered.empty()) f->gathered_at = offset;
    const auto* bytes = static_cast<const char*>(data);
    f->gathered.insert(f->gathered.end(), bytes, bytes + amount);
  } catch (const std::bad_alloc&) {
    if (const int code = flush(f); code != SQLITE_OK) return code;
    return f->inner->pMethods->xWrite(f->inner, data, amount, offset);
  }
  return f->gathered.size() >= flush_at ? flush(f) : SQLITE_OK;
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (const int code = flush(self(file)); code != SQLITE_OK) return code;
  return inner(file)->pMethods->xTruncate(inner(file), size);
}

int x_sync(sqlite3_file* file, int flags) {
  auto* f = self(file);
  if (const int code = flush(f); code != SQLITE_OK) return code;
  if (f->wal && sync_deferrals > 0) {
    deferred_count.fetch_add(1, std::memory_order_relaxed);
    return SQLITE_OK;
  }
  return f->inner->pMethods->xSync(f->inner, flags);
}

int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
  if (const int code = flush(self(file)); code != SQLITE_OK) return code;
  return inner(file)->pMethods->xFileSize(inner(file), size);
}

int x_lock(sqlite3_file* file, int level) { return inner(file)->pMethods->xLock(inner(file), level); }
int x_unlock(sqlite3_file* file, int level) { return inner(file)->pMethods->xUnlock(inner(file), level); }
int x_check_reserved_lock(sqlite3_file* file, int* out) {
  return inner(file)->pMethods->xCheckReservedLock(inner(file), out);
}
int x_file_control(sqlite3_file* file, int op, void* arg) {
  if (const int code = flush(self(file)); code != SQLITE_OK) return code;
  return inner(file)->pMethods->xFileControl(inner(file), op, arg);
}
int x_sector_size(sqlite3_file* file) { return inner(file)->pMethods->xSectorSize(inner(file)); }
int x_device_characteristics(sqlite3_file* file) {
  return inner(file)->pMethods->xDeviceCharacteristics(inner(file));
}
int x_shm_map(sqlite3_file* file, int page, int page_size, int extend, void volatile** out) {
  return inner(file)->pMethods->xShmMap(inner(file), page, page_size, extend, out);
}
int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  return inner(file)->pMethods->xShmLock(inner(file), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* file) { inner(file)->pMethods->xShmBarrier(inner(file)); }
int x_shm_unmap(sqlite3_file* file, int delete_flag) {
  return inner(file)->pMethods->xShmUnmap(inner(file), delete_flag);
}
int x_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  if (const int code = flush(self(file)); code != SQLITE_OK) return code;
  return inner(file)->pMethods->xFetch(inner(file), offset, amount, out);
}
int x_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return inner(file)->pMethods->xUnfetch(inner(file), offset, page);
}

/// One table per version of the default VFS's files: ours must not claim methods theirs lacks.
constexpr sqlite3_io_methods methods(int version) {
  return {version,     x_close, x_read,   x_write,  x_truncate, x_sync,
          x_file_size, x_lock,  x_unlock, x_check_reserved_lock, x_file_control, x_sector_size,
          x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch};
}
const sqlite3_io_methods methods_by_version[] = {methods(1), methods(2), methods(3)};

int x_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = new (file) gathering_file{};
  f->inner = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + inner_offset);
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  const int code = base_vfs->xOpen(base_vfs, name, f->inner, flags, out_flags);
  if (code != SQLITE_OK || !f->inner->pMethods) {
    // SQLite calls no xClose on a file whose pMethods is null; the default VFS has
    // closed its own on failure.
    f->~gathering_file();
    file->pMethods = nullptr;
    return code != SQLITE_OK ? code : SQLITE_CANTOPEN;
  }
  const int version = std::clamp(f->inner->pMethods->iVersion, 1, 3);
  f->base.pMethods = &methods_by_version[version - 1];
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs*, const char* name, int sync_dir) { return base_vfs->xDelete(base_vfs, name, sync_dir); }
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return base_vfs->xAccess(base_vfs, name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return base_vfs->xFullPathname(base_vfs, name, size, out);
}
void* x_dl_open(sqlite3_vfs*, const char* name) { return base_vfs->xDlOpen(base_vfs, name); }
void x_dl_error(sqlite3_vfs*, int size, char* out) { base_vfs->xDlError(base_vfs, size, out); }
void (*x_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return base_vfs->xDlSym(base_vfs, handle, symbol);
}
void x_dl_close(sqlite3_vfs*, void* handle) { base_vfs->xDlClose(base_vfs, handle); }
int x_randomness(sqlite3_vfs*, int size, char* out) { return base_vfs->xRandomness(base_vfs, size, out); }
int x_sleep(sqlite3_vfs*, int microseconds) { return base_vfs->xSleep(base_vfs, microseconds); }
int x_current_time(sqlite3_vfs*, double* out) { return base_vfs->xCurrentTime(base_vfs, out); }
int x_get_last_error(sqlite3_vfs*, int size, char* out) { return base_vfs->xGetLastError(base_vfs, size, out); }
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return base_vfs->xCurrentTimeInt64(base_vfs, out);
}

sqlite3_vfs gathering_vfs{};

}  // namespace

const char* wal_gathering_vfs() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    base_vfs = sqlite3_vfs_find(nullptr);
    if (!base_vfs || base_vfs->iVersion < 2 || !base_vfs->xCurrentTimeInt64)
      throw std::runtime_error("SQLite's default VFS is too old to gather WAL writes");
    gathering_vfs.iVersion = 2;
    gathering_vfs.szOsFile = static_cast<int>(inner_offset) + base_vfs->szOsFile;
    gathering_vfs.mxPathname = base_vfs->mxPathname;
    gathering_vfs.zName = vfs_name;
    gathering_vfs.xOpen = x_open;
    gathering_vfs.xDelete = x_delete;
    gathering_vfs.xAccess = x_access;
    gathering_vfs.xFullPathname = x_full_pathname;
    gathering_vfs.xDlOpen = x_dl_open;
    gathering_vfs.xDlError = x_dl_error;
    gathering_vfs.xDlSym = x_dl_sym;
    gathering_vfs.xDlClose = x_dl_close;
    gathering_vfs.xRandomness = x_randomness;
    gathering_vfs.xSleep = x_sleep;
    gathering_vfs.xCurrentTime = x_current_time;
    gathering_vfs.xGetLastError = x_get_last_error;
    gathering_vfs.xCurrentTimeInt64 = x_current_time_int64;
    if (const int code = sqlite3_vfs_register(&gathering_vfs, 0); code != SQLITE_OK)
      throw std::runtime_error(std::string("cannot register SQLite VFS ") + vfs_name + ": " + sqlite3_errstr(code));
  });
  return vfs_name;
}

deferred_wal_sync::deferred_wal_sync() noexcept { ++sync_deferrals; }
deferred_wal_sync::~deferred_wal_sync() { --sync_deferrals; }

wal_gathering_counts wal_gathering_statistics() noexcept {
  return {write_count.load(std::memory_order_relaxed), flush_count.load(std::memory_order_relaxed),
          deferred_count.load(std::memory_order_relaxed)};
}

}  // namespace consentry::server
