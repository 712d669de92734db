#include "CSocketsTLS.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

static BIO_METHOD *socket_method;
static pthread_once_t socket_method_once = PTHREAD_ONCE_INIT;

/// OpenSSL's socket write with `send(MSG_NOSIGNAL)`; EINTR retried, EAGAIN a retry.
static int socket_write(BIO *bio, const char *data, int length) {
    int fd = -1;
    BIO_get_fd(bio, &fd);
    BIO_clear_retry_flags(bio);
    ssize_t sent;
    do {
        sent = send(fd, data, (size_t)length, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        BIO_set_retry_write(bio);
    }
    return (int)sent;
}

/// OpenSSL's socket read with EINTR retried; 0 marks the end of input, as OpenSSL's does.
/// A read that returns less than asked for drained the socket: that is noted in the BIO's
/// data pointer (unused by the socket BIO) for `csockets_tls_take_drained`.
static int socket_read(BIO *bio, char *data, int length) {
    int fd = -1;
    BIO_get_fd(bio, &fd);
    BIO_clear_retry_flags(bio);
    ssize_t received;
    do {
        received = recv(fd, data, (size_t)length, MSG_DONTWAIT);
    } while (received < 0 && errno == EINTR);
    if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        BIO_set_retry_read(bio);
    } else if (received == 0) {
        BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
    }
    BIO_set_data(bio, (void *)(intptr_t)(received > 0 && received < length));
    return (int)received;
}

int csockets_tls_take_drained(void *ssl) {
    BIO *bio = SSL_get_rbio(ssl);
    if (bio == NULL || BIO_get_data(bio) == NULL) return 0;
    BIO_set_data(bio, NULL);
    return 1;
}

static int socket_puts(BIO *bio, const char *text) {
    return socket_write(bio, text, (int)strlen(text));
}

static void make_socket_method(void) {
    const BIO_METHOD *original = BIO_s_socket();
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "sockets");
    if (method == NULL) return;
    BIO_meth_set_write(method, socket_write);
    BIO_meth_set_read(method, socket_read);
    BIO_meth_set_puts(method, socket_puts);
    BIO_meth_set_ctrl(method, BIO_meth_get_ctrl(original));
    BIO_meth_set_create(method, BIO_meth_get_create(original));
    BIO_meth_set_destroy(method, BIO_meth_get_destroy(original));
    socket_method = method;
}

void *csockets_tls_socket_bio(int fd) {
    pthread_once(&socket_method_once, make_socket_method);
    if (socket_method == NULL) return NULL;
    BIO *bio = BIO_new(socket_method);
    if (bio == NULL) return NULL;
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    return bio;
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outLength, const unsigned char *offered,
                       unsigned int offeredLength, void *argument) {
    (void)ssl;
    const unsigned char *ours = argument;
    unsigned int oursLength = 0;
    // The wire format is a list of length-prefixed names; the caller ends it with a 0.
    for (unsigned int index = 0; ours[index] != 0; index += 1u + ours[index]) oursLength = index + 1u + ours[index];
    unsigned char *selected = NULL;
    unsigned char selectedLength = 0;
    if (SSL_select_next_proto(&selected, &selectedLength, ours, oursLength, offered, offeredLength) !=
        OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = selected;
    *outLength = selectedLength;
    return SSL_TLSEXT_ERR_OK;
}

int csockets_tls_set_alpn_selection(void *context, const unsigned char *protocols) {
    SSL_CTX_set_alpn_select_cb(context, select_alpn, (void *)protocols);
    return 1;
}
