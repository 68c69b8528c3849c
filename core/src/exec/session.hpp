// Forwarding header: the pipelines' session helpers moved to
// engine/session.hpp. Remove once executor.cpp takes ShortenSql from sql/.
#ifndef CHIMP_EXEC_SESSION_HPP_
#define CHIMP_EXEC_SESSION_HPP_

#include "engine/session.hpp"

#endif  // CHIMP_EXEC_SESSION_HPP_
