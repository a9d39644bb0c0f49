/* hw/virtio-mmio.c - not yet written */
