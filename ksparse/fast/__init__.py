"""Optional speed paths, each tested against the readable pass it replaces.

The NumPy code of :mod:`ksparse.nn` and :mod:`ksparse.models` is the
reference; what is here computes the same quantities faster, and the tests
compare the two:

* :mod:`~ksparse.fast.sparse_step`: the k-sparse autoencoder's forward and
  backward pass touching only the k selected units after the encoder
  product (replaces :func:`ksparse.models.k_sparse.loss_and_grads`; the
  default ``step='sparse'``);
* :mod:`~ksparse.fast.topk_step` with :mod:`~ksparse.fast.topk_codes`: the
  same for the TopK family (TopK, BatchTopK, with Multi-TopK, Matryoshka and
  AuxK), every code of a step decoded from one gather of each row's atoms
  (replaces :func:`ksparse.models.topk.recipe_loss_and_grads`; the default
  ``step='sparse'``);
* :mod:`~ksparse.fast.jumprelu_step`: the same for the JumpReLU model, on each
  row's kept latents and those in the kernel's window around θ (replaces
  :func:`ksparse.models.jumprelu.jumprelu_loss_and_grads`; the default
  ``step='sparse'``);
* :mod:`~ksparse.fast.topk_threshold`: supp_k by the paper's per-row
  threshold, found by bisection on the floats' bit patterns, with no
  data-dependent branch (for GPUs; replaces :func:`ksparse.nn.supp_k.kth_largest`).
"""
