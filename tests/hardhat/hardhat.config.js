module.exports = { networks: { hardhat: { hardfork: "prague", chainId: 31337 } }, paths: { sources: "./no-sources", cache: "../../build/hardhat/cache", artifacts: "../../build/hardhat/artifacts" } };
