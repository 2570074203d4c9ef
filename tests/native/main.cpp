// The doctest runner of the native-only suite (OpenSSL, files, the command line).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
