/*
 * pcap_nodbus.c - stand-ins for the D-Bus functions of a static libpcap.
 *
 * Debian's libpcap.a carries its D-Bus capture module, so a static link
 * needs libdbus, which drags in libsystemd, libgcrypt, liblzma, libzstd and
 * more: about 1.7 MB of resident memory at start, more than a third of the
 * 4 MiB that -m promises. trace-summary only reads files; it never opens a
 * D-Bus capture, so none of these functions can be called. configure links
 * libpcap statically with these stand-ins when that works (and the D-Bus
 * module is the only thing missing), and dynamically otherwise.
 */
#include <stddef.h>

#define NODBUS(name)                                                                               \
    void *name(void);                                                                              \
    void *name(void)                                                                               \
    {                                                                                              \
        return NULL;                                                                               \
    }

NODBUS(dbus_bus_add_match)
NODBUS(dbus_bus_get)
NODBUS(dbus_bus_register)
NODBUS(dbus_connection_flush)
NODBUS(dbus_connection_open)
NODBUS(dbus_connection_pop_message)
NODBUS(dbus_connection_read_write)
NODBUS(dbus_connection_send)
NODBUS(dbus_connection_set_max_received_size)
NODBUS(dbus_connection_unref)
NODBUS(dbus_error_free)
NODBUS(dbus_error_is_set)
NODBUS(dbus_free)
NODBUS(dbus_message_demarshal)
NODBUS(dbus_message_is_signal)
NODBUS(dbus_message_marshal)
NODBUS(dbus_message_unref)
