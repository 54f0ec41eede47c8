/*
 * The smallest Maelstrom echo node we could write: the floor of what one
 * request costs a node process under a harness on this machine (a wake-up, a
 * read(2), a write(2), almost no parsing). Not part of raft-kv; see the README's
 * "Efficiency" section:
 *
 *   gcc -O2 -o /tmp/echo-floor tools/echo-floor.c
 *   raft-kv test -w echo --bin /tmp/echo-floor --node-count 3 --concurrency 30 \
 *       --rate 10000 --time-limit 10 --nemesis none
 *
 * It trusts its input: field values are found by string search, and an `echo`
 * value is copied without unescaping. Only for measuring.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies the string value after `key` into `out`; 0 when there is none. */
static int string_field(const char *from, const char *key, char *out, size_t n) {
    const char *p = strstr(from, key);
    if (!p) return 0;
    p += strlen(key);
    while (*p == ' ' || *p == ':') p++;
    if (*p++ != '"') return 0;
    size_t i = 0;
    while (*p && *p != '"' && i + 1 < n) {
        if (*p == '\\' && p[1]) out[i++] = *p++;
        out[i++] = *p++;
    }
    out[i] = 0;
    return 1;
}

static long number_field(const char *from, const char *key) {
    const char *p = strstr(from, key);
    if (!p) return -1;
    p += strlen(key);
    while (*p == ' ' || *p == ':') p++;
    return strtol(p, NULL, 10);
}

int main(void) {
    static char line[1 << 20], echo[1 << 16];
    char src[64], dest[64], type[64];
    long next_id = 1;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    while (fgets(line, sizeof line, stdin)) {
        const char *body = strstr(line, "\"body\"");
        if (!body || !string_field(line, "\"src\"", src, sizeof src) ||
            !string_field(line, "\"dest\"", dest, sizeof dest) ||
            !string_field(body, "\"type\"", type, sizeof type))
            continue;
        long id = number_field(body, "\"msg_id\"");
        if (!strcmp(type, "init")) {
            printf("{\"src\":\"%s\",\"dest\":\"%s\",\"body\":{\"type\":\"init_ok\","
                   "\"in_reply_to\":%ld,\"msg_id\":%ld}}\n", dest, src, id, next_id++);
        } else if (!strcmp(type, "echo")) {
            if (!string_field(body, "\"echo\":", echo, sizeof echo)) echo[0] = 0;
            printf("{\"src\":\"%s\",\"dest\":\"%s\",\"body\":{\"type\":\"echo_ok\","
                   "\"in_reply_to\":%ld,\"msg_id\":%ld,\"echo\":\"%s\"}}\n",
                   dest, src, id, next_id++, echo);
        }
        /* One write(2) per batch of lines that arrived together, as raft-kv does. */
        if (stdin->_IO_read_ptr >= stdin->_IO_read_end) fflush(stdout);
    }
    fflush(stdout);
    return 0;
}
