# kina: this node's fixed address on its cluster network, at every boot.
# /kina/node-address holds it as ADDRESS/PREFIX; `replace` adds it or keeps it.
set -e
ip addr replace "$(cat /kina/node-address)" dev eth0
