/* A program built the way a user of the installed library builds one:
 * `cc $(pkg-config --cflags clt) consumer.c $(pkg-config --libs clt)`
 * (tests/packaging/install_test.sh). It calls libclt.so without needing a
 * network: a configuration round trip, a refused value and a refused fd. */
#include <clt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  if (clt_set_slots(6) != CLT_OK || clt_get_slots() != 6) {
    fprintf(stderr, "clt_set_slots(6) then clt_get_slots() did not give 6\n");
    return 1;
  }
  if (clt_set_trace_id_bits(32) != -EINVAL) {
    fprintf(stderr, "clt_set_trace_id_bits(32) was not refused with -EINVAL\n");
    return 1;
  }
  const int fd = open("/dev/null", O_RDONLY);
  const uint8_t trace_id[16] = {0x4b, 0xf9, 0x2f, 0x35};
  const uint8_t span_id[8] = {0x00, 0xf0, 0x67, 0xaa};
  const int rc = clt_enable(fd, trace_id, span_id);
  close(fd);
  if (rc != -ENOTSOCK) {
    fprintf(stderr, "clt_enable on /dev/null returned %d, not -ENOTSOCK\n", rc);
    return 1;
  }
  printf("libclt: slots %u, clt_enable on a file: %s\n", (unsigned)clt_get_slots(),
         clt_strerror(rc));
  return 0;
}
