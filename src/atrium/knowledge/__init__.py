"""Knowledge bases: files, chunks, embeddings and retrieval."""
