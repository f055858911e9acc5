#pragma once

// At an orderly stop of the datapath: the sockets that kept their room
// between spans would go on sending the placeholder once the tc program is
// gone, and receivers without Segment Routing enabled drop it. Their sticky
// routing header is cleared here, through a copy of each socket's fd taken
// from its process (pidfd_getfd), before the programs detach. A SIGKILLed
// agent cannot do this: those sockets keep the placeholder until the
// library's next call on them, which finds the hook gone and clears it.

#include <cstddef>

namespace clt::bpf {

struct RoomRelease {
  std::size_t released = 0;     // sockets whose room was cleared
  std::size_t unreachable = 0;  // sockets with room whose fd could not be taken (EPERM)
};

// socket_ids_map: the datapath's socket storage map (clt_socket_ids).
RoomRelease release_kept_rooms(int socket_ids_map);

}  // namespace clt::bpf
