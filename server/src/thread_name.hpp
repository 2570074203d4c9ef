// Names threads (at most 15 characters are kept), so that `top -H`, `ps -L` and a
// profile say which of the server's stages a thread is.
#pragma once
#include <pthread.h>

#include <string>
#include <thread>
#include <utility>

namespace consentry::server {

inline void name_this_thread(const std::string& name) {
  ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
}

/// A thread that names itself `name`, then runs `work`.
template <class Work>
std::thread named_thread(std::string name, Work work) {
  return std::thread([name = std::move(name), work = std::move(work)]() mutable {
    name_this_thread(name);
    work();
  });
}

}  // namespace consentry::server
