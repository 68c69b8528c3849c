// CausesImplicitCommit(): the classifier's answer (sql/statement_info.hpp).
#include <string_view>

#include "chimp/sql_splitter.hpp"
#include "sql/statement_info.hpp"

namespace chimp {

bool CausesImplicitCommit(std::string_view statement) { return internal::Classify(statement).commits_implicitly; }

}  // namespace chimp
