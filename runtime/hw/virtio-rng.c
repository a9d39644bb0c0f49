/* hw/virtio-rng.c - not yet written */
