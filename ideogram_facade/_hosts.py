"""Which machine a URL names, by its host alone (no DNS lookup): this one, a private network,
or elsewhere. Every check of the package and of its fake asks here.

    is_loopback("http://127.1:8000/")             # True: the forms the resolver takes too
    is_private_host("http://169.254.169.254/")    # True: cloud metadata is link-local
    plain_http_off_machine("http://api.example")  # True: the key would cross the network
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").rstrip(".").lower()


def _is_localhost(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def _address(host: str) -> Address | None:
    """The address a literal host names, or None for a name."""
    address: Address
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:  # the forms the resolver also takes: 127.1, 2130706433, 0x7f000001
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address


def is_loopback(url: str) -> bool:
    """Whether `url` names this machine: `localhost`, or a loopback address."""
    host = _host(url)
    address = _address(host)
    return _is_localhost(host) or (address is not None and address.is_loopback)


def is_private_host(url: str) -> bool:
    """Whether `url` names this machine or a private network by its host: loopback,
    link-local (cloud metadata at 169.254.169.254), private, unspecified, reserved or multicast
    addresses, and `localhost`. A name that *resolves* to such an address is not caught here:
    that would take a DNS lookup, which this I/O-free check does not make."""
    host = _host(url)
    if _is_localhost(host):
        return True
    address = _address(host)
    return address is not None and (not address.is_global or address.is_multicast)


def plain_http_off_machine(url: str) -> bool:
    """Whether `url` is plain http to another machine, where the API key would cross the
    network in clear."""
    return urlsplit(url).scheme == "http" and not is_loopback(url)
