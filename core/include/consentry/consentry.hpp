// The public API of the Consentry core in one include. Each header is also usable alone.
#pragma once

#include "consentry/base64url.hpp"
#include "consentry/blocker.hpp"
#include "consentry/bundle.hpp"
#include "consentry/consent.hpp"
#include "consentry/diagnostic.hpp"
#include "consentry/diff.hpp"
#include "consentry/hash.hpp"
#include "consentry/jcs.hpp"
#include "consentry/json_io.hpp"
#include "consentry/json_parse.hpp"
#include "consentry/jws.hpp"
#include "consentry/language.hpp"
#include "consentry/notice.hpp"
#include "consentry/policy.hpp"
#include "consentry/receipt.hpp"
#include "consentry/result.hpp"
