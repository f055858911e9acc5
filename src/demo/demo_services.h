#pragma once

namespace clt::demo {

// The API entrypoint (runs on athos): GET /api/request makes two
// sub-requests, POST /check and POST /validate, to the backend over ONE
// keep-alive connection, each inside a client span with CLT on the socket.
int run_api_service(int argc, char** argv);

// The backend (runs on aramis): POST /check and /validate answer after a
// random delay, each inside a server span continuing the caller's trace.
int run_backend_service(int argc, char** argv);

}  // namespace clt::demo
