// A SQLite VFS over the default one whose WAL files gather what a transaction writes:
// SQLite writes each WAL frame as two pwrite() calls (its 24-byte header, then the
// page), and a batch of receipts is a few hundred frames, each call costing about
// 1.5 µs of kernel entry on the virtual machines we run on. Consecutive writes are
// kept in memory and written in pieces of 120 KiB (what the default VFS takes in one
// call) when SQLite next syncs, reads, truncates, asks the size of or closes the
// file, when a write does not follow the last one, or when 4 MiB have gathered. What
// SQLite reads always comes from the file, so nothing changes for it, or for other
// connections: SQLite lets them see a transaction only through the WAL index, which it
// updates after the commit's sync. So a connection of this VFS must sync its commits:
// synchronous=FULL (with deferred_wal_sync, that sync writes but does not fdatasync).
#pragma once

#include <cstdint>

namespace consentry::server {

/// The VFS's name for sqlite3_open_v2(), registered (not as the default) on first call.
const char* wal_gathering_vfs();

/// While one of these lives on a thread, a WAL file of that VFS asked by this thread to
/// sync (as COMMIT does under synchronous=FULL) writes what it gathered but does not
/// fdatasync(): the caller makes the WAL durable itself before it relies on the commit
/// (the server's syncer does, before it answers). Every other sync is a real one, such
/// as those of a checkpoint or of the connection's close.
class deferred_wal_sync {
 public:
  deferred_wal_sync() noexcept;
  ~deferred_wal_sync();
  deferred_wal_sync(const deferred_wal_sync&) = delete;
  deferred_wal_sync& operator=(const deferred_wal_sync&) = delete;
};

/// Counts since the process started, for tests and the curious.
struct wal_gathering_counts {
  std::uint64_t writes = 0;          ///< writes SQLite asked of WAL files
  std::uint64_t flushes = 0;         ///< writes made to them (pieces of at most 120 KiB)
  std::uint64_t deferred_syncs = 0;  ///< syncs left to a deferred_wal_sync's owner
};
wal_gathering_counts wal_gathering_statistics() noexcept;

}  // namespace consentry::server
