import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { describeMetadataStoreContract } from './metadata-store.contract.js';

describeMetadataStoreContract('in-memory (reference)', {
  create: async () => ({ store: new MemoryMetadataStore() }),
});
