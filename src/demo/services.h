#pragma once

namespace clt::demo {

// `clt demo service api|backend|delay ...`: the processes the demo starts
// inside the namespaces (hidden from `clt demo --help`).
int run_service(int argc, char** argv);

}  // namespace clt::demo
