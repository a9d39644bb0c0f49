/* hw/virtio-blk.c - not yet written */
