// Names the calling thread (at most 15 characters are kept), so that `top -H`, `ps -L`
// and a profile say which of the server's stages a thread is.
#pragma once
#include <pthread.h>

#include <string>

namespace consentry::server {

inline void name_this_thread(const std::string& name) {
  ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace consentry::server
