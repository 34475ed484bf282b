// SPDX-License-Identifier: GPL-2.0
/*
 * dkms_tiny: the smallest useful test module of this project.
 *
 * It builds in a second, carries the metadata that dkms and driver disks
 * care about (version, licence, a parameter, a PCI id table that yields a
 * modalias) and does nothing else: its PCI driver matches a device id no
 * real hardware has, so loading it is harmless.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>

static int greeting = 1;
module_param(greeting, int, 0444);
MODULE_PARM_DESC(greeting, "Print a line when loaded (default 1)");

static const struct pci_device_id dkms_tiny_ids[] = {
	{ PCI_DEVICE(0x1234, 0xd4c5) },
	{ }
};
MODULE_DEVICE_TABLE(pci, dkms_tiny_ids);

static int dkms_tiny_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	dev_info(&pdev->dev, "dkms_tiny bound\n");
	return 0;
}

static void dkms_tiny_remove(struct pci_dev *pdev)
{
}

static struct pci_driver dkms_tiny_driver = {
	.name = "dkms_tiny",
	.id_table = dkms_tiny_ids,
	.probe = dkms_tiny_probe,
	.remove = dkms_tiny_remove,
};

static int __init dkms_tiny_init(void)
{
	if (greeting)
		pr_info("dkms_tiny loaded\n");
	return pci_register_driver(&dkms_tiny_driver);
}

static void __exit dkms_tiny_exit(void)
{
	pci_unregister_driver(&dkms_tiny_driver);
}

module_init(dkms_tiny_init);
module_exit(dkms_tiny_exit);

MODULE_DESCRIPTION("Tiny test module for dkms");
MODULE_AUTHOR("dkms C re-implementation project");
MODULE_LICENSE("GPL");
MODULE_VERSION("1.0");
