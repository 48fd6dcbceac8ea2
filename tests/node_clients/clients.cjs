// Drives a JSON-RPC node the way an application does, with ethers v6 or viem.
//
//   node clients.cjs ethers|viem URL ARTIFACT.json [hardhat]
//
// ARTIFACT.json holds {abi, bytecode} of ChainProbe (contracts/mocks). The script deploys it, sends
// ether transfers, reads receipts, logs and fee history, signs messages and typed data with the
// node's accounts, and checks the errors a client must recognise (a transaction for another chain,
// a stale nonce, too little balance). Every check is printed; the last line is a JSON summary
// {"client", "passed", "failed": [...], "facts": {...}} and the exit code is 1 if any check failed.
// With "hardhat" last, a refused transfer for too little balance only has to fail: Hardhat words it
// its own way ("Sender doesn't have enough funds..."), which neither client classifies; decree8
// node words it as geth does, which both classify.
// The clients come from .jsclients/ (tests/node_clients/setup.sh).
"use strict";

const path = require("path");
const fs = require("fs");
const { createRequire } = require("module");

const [client, url, artifactPath, reference] = process.argv.slice(2);
const isHardhat = reference === "hardhat";
const jsclients = process.env.DECREE8_JSCLIENTS || path.resolve(__dirname, "../../.jsclients");
const load = createRequire(path.join(jsclients, "node_modules", "noop.js"));
const artifact = JSON.parse(fs.readFileSync(artifactPath, "utf8"));

const failed = [];
const facts = {};
let passed = 0;

function check(ok, what) {
  if (ok) {
    passed += 1;
  } else {
    failed.push(what);
  }
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
}

async function expectError(what, action, test) {
  try {
    await action();
    check(false, `${what}: no error`);
  } catch (error) {
    const ok = test(error);
    check(ok, `${what}${ok ? "" : `: ${String(error.shortMessage || error.message).slice(0, 300)}`}`);
  }
}

// A private key of no node account, funded by the test (Hardhat's first key is account 0 there).
const OUTSIDER_KEY = "0x" + "77".repeat(32);

async function withEthers() {
  const ethers = load("ethers");
  // no response cache: the script reads balances and nonces right after changing them
  const provider = new ethers.JsonRpcProvider(url, undefined, { cacheTimeout: -1 });
  const network = await provider.getNetwork();
  facts.chainId = Number(network.chainId);
  check(String(await provider.send("net_version", [])) === String(network.chainId), "net_version is the chain id");
  const signer = await provider.getSigner(0);
  const me = await signer.getAddress();
  const other = (await provider.getSigner(1)).address;

  // deploy: ethers v6 refuses a receipt whose "to" is not null or an address (BAD_DATA)
  const factory = new ethers.ContractFactory(artifact.abi, artifact.bytecode, signer);
  const probe = await factory.deploy();
  await probe.waitForDeployment();
  const address = await probe.getAddress();
  const deployReceipt = await probe.deploymentTransaction().wait();
  check(deployReceipt.to === null && deployReceipt.contractAddress === address, "deployment receipt: to null, contractAddress set");
  check(deployReceipt.logsBloom.length === 2 + 512, "receipt carries logsBloom");

  // transfers with receipts
  const before = await provider.getBalance(other);
  for (let i = 0; i < 3; i++) {
    const tx = await signer.sendTransaction({ to: other, value: 1000n });
    const receipt = await tx.wait();
    check(receipt.status === 1 && receipt.gasUsed === 21000n, `transfer ${i} mined with 21000 gas`);
  }
  check((await provider.getBalance(other)) - before === 3000n, "balances moved by the value");

  // a transaction with an event, read back as a receipt log and by filter
  const tx = await probe.setValue(42n);
  const receipt = await tx.wait();
  const parsed = receipt.logs.map((log) => probe.interface.parseLog(log)).filter(Boolean);
  check(parsed.length === 1 && parsed[0].name === "ValueSet" && parsed[0].args.value === 42n, "event in the receipt decodes");
  const events = await probe.queryFilter(probe.filters.ValueSet(), receipt.blockNumber, receipt.blockNumber);
  check(events.length === 1 && events[0].args.value === 42n, "queryFilter finds the event");
  const byHash = await provider.getLogs({ blockHash: receipt.blockHash });
  check(byHash.length === 1 && byHash[0].address === address, "getLogs by blockHash");
  check((await probe.value()) === 42n, "view call reads the new value");

  // a custom error decodes
  await expectError("a custom error's data comes back and decodes", () => probe.setValue(10n ** 30n),
    (e) => e.code === "CALL_EXCEPTION" && Boolean(e.data) && probe.interface.parseError(e.data)?.name === "ValueTooLarge");
  await expectError("a custom error decodes on a static call", () => probe.setValue.staticCall(10n ** 30n),
    (e) => e.revert && e.revert.name === "ValueTooLarge");

  // fees
  const history = await provider.send("eth_feeHistory", ["0x3", "latest", [25, 75]]);
  check(history.baseFeePerGas.length === 4 && history.reward.length === 3 && history.reward[0].length === 2, "feeHistory: N+1 base fees, rewards per percentile");
  const older = await provider.send("eth_feeHistory", ["0x1", ethers.toQuantity(receipt.blockNumber - 1), []]);
  check(Number(older.oldestBlock) === receipt.blockNumber - 1, "feeHistory honours newestBlock");
  const feeData = await provider.getFeeData();
  const latest = await provider.getBlock("latest");
  check(feeData.gasPrice !== null && feeData.gasPrice >= (latest.baseFeePerGas ?? 0n) * 7n / 8n, "gasPrice covers the base fee");

  // signing with the node's accounts
  const signature = await signer.signMessage("hello decree8");
  check(ethers.verifyMessage("hello decree8", signature) === me, "signMessage (personal_sign) recovers the signer");
  const domain = { name: "decree8", version: "1", chainId: network.chainId, verifyingContract: address };
  const types = { Mail: [{ name: "to", type: "address" }, { name: "contents", type: "string" }] };
  const value = { to: other, contents: "hi" };
  const typedSignature = await signer.signTypedData(domain, types, value);
  check(ethers.verifyTypedData(domain, types, value, typedSignature) === me, "signTypedData (v4) recovers the signer");

  // raw transactions from a wallet the node does not hold
  const wallet = new ethers.Wallet(OUTSIDER_KEY, provider);
  await (await signer.sendTransaction({ to: wallet.address, value: 10n ** 18n })).wait();
  const sent = await wallet.sendTransaction({ to: other, value: 1n });
  check((await sent.wait()).status === 1, "a raw transaction signed by a wallet is mined");
  const foreign = await wallet.signTransaction({
    to: other, value: 1n, gasLimit: 21000n, nonce: await wallet.getNonce(),
    chainId: network.chainId + 1n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, type: 2,
  });
  await expectError("a transaction signed for another chain is refused", () => provider.broadcastTransaction(foreign), () => true);
  await expectError("a stale nonce is NONCE_EXPIRED", () => wallet.sendTransaction({ to: other, value: 1n, nonce: 0 }), (e) => e.code === "NONCE_EXPIRED");
  await expectError("too little balance is INSUFFICIENT_FUNDS", () => wallet.sendTransaction({ to: other, value: 10n ** 24n, gasLimit: 21000n }), (e) => isHardhat || e.code === "INSUFFICIENT_FUNDS");
  provider.destroy();
}

async function withViem() {
  const viem = load("viem");
  const { privateKeyToAccount } = load("viem/accounts");
  const transport = viem.http(url);
  const probeClient = viem.createPublicClient({ transport });
  const chainId = await probeClient.getChainId();
  facts.chainId = chainId;
  const chain = viem.defineChain({
    id: chainId, name: "node", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const publicClient = viem.createPublicClient({ chain, transport });
  const [me, other] = await publicClient.request({ method: "eth_accounts" });
  const wallet = viem.createWalletClient({ chain, transport, account: me });

  const deployHash = await wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode });
  const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash });
  check(deployed.to === null && viem.isAddress(deployed.contractAddress), "deployment receipt: to null, contractAddress set");
  const address = deployed.contractAddress;

  for (let i = 0; i < 3; i++) {
    const hash = await wallet.sendTransaction({ to: other, value: 1000n });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    check(receipt.status === "success" && receipt.gasUsed === 21000n, `transfer ${i} mined with 21000 gas`);
  }

  const hash = await wallet.writeContract({ address, abi: artifact.abi, functionName: "setValue", args: [42n] });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const decoded = viem.parseEventLogs({ abi: artifact.abi, logs: receipt.logs });
  check(decoded.length === 1 && decoded[0].eventName === "ValueSet" && decoded[0].args.value === 42n, "event in the receipt decodes");
  const events = await publicClient.getContractEvents({ address, abi: artifact.abi, eventName: "ValueSet", blockHash: receipt.blockHash });
  check(events.length === 1, "getContractEvents by blockHash");
  const read = await publicClient.readContract({ address, abi: artifact.abi, functionName: "value" });
  check(read === 42n, "readContract reads the new value");

  await expectError("a custom error decodes", () => publicClient.simulateContract({ address, abi: artifact.abi, functionName: "setValue", args: [10n ** 30n], account: me }),
    (e) => { const cause = e.walk((c) => c instanceof viem.ContractFunctionRevertedError); return Boolean(cause && cause.data && cause.data.errorName === "ValueTooLarge"); });

  const history = await publicClient.getFeeHistory({ blockCount: 3, rewardPercentiles: [25, 75] });
  check(history.baseFeePerGas.length === 4 && history.reward.length === 3 && history.reward[0].length === 2, "feeHistory: N+1 base fees, rewards per percentile");
  const older = await publicClient.getFeeHistory({ blockCount: 1, blockNumber: receipt.blockNumber - 1n, rewardPercentiles: [] });
  check(older.oldestBlock === receipt.blockNumber - 1n, "feeHistory honours newestBlock");
  const fees = await publicClient.estimateFeesPerGas();
  check(fees.maxFeePerGas >= fees.maxPriorityFeePerGas, "estimateFeesPerGas answers");
  const gasPrice = await publicClient.getGasPrice();
  const latest = await publicClient.getBlock();
  check(gasPrice >= (latest.baseFeePerGas ?? 0n) * 7n / 8n, "gasPrice covers the base fee");

  const signature = await wallet.signMessage({ message: "hello decree8" });
  check(await viem.verifyMessage({ address: me, message: "hello decree8", signature }), "signMessage (personal_sign) verifies");
  const domain = { name: "decree8", version: "1", chainId, verifyingContract: address };
  const types = { Mail: [{ name: "to", type: "address" }, { name: "contents", type: "string" }] };
  const message = { to: other, contents: "hi" };
  const typedSignature = await wallet.signTypedData({ domain, types, primaryType: "Mail", message });
  check(await viem.verifyTypedData({ address: me, domain, types, primaryType: "Mail", message, signature: typedSignature }), "signTypedData (v4) verifies");

  const outsider = privateKeyToAccount(OUTSIDER_KEY);
  await publicClient.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: outsider.address, value: 10n ** 18n }) });
  const local = viem.createWalletClient({ chain, transport, account: outsider });
  const rawHash = await local.sendTransaction({ to: other, value: 1n });
  check((await publicClient.waitForTransactionReceipt({ hash: rawHash })).status === "success", "a raw transaction signed locally is mined");
  const nonce = await publicClient.getTransactionCount({ address: outsider.address });
  const foreign = await outsider.signTransaction({ chainId: chainId + 1, to: other, value: 1n, gas: 21000n, nonce, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n });
  await expectError("a transaction signed for another chain is refused", () => publicClient.sendRawTransaction({ serializedTransaction: foreign }), () => true);
  await expectError("a stale nonce is NonceTooLowError", () => local.sendTransaction({ to: other, value: 1n, nonce: 0 }),
    (e) => Boolean(e.walk((c) => c instanceof viem.NonceTooLowError)));
  await expectError("too little balance is InsufficientFundsError", () => local.sendTransaction({ to: other, value: 10n ** 24n, gas: 21000n }),
    (e) => isHardhat || Boolean(e.walk((c) => c instanceof viem.InsufficientFundsError)));
}

async function main() {
  const started = Date.now();
  try {
    if (client === "ethers") await withEthers();
    else if (client === "viem") await withViem();
    else throw new Error(`unknown client ${client}: use ethers or viem`);
  } catch (error) {
    failed.push(`unexpected: ${String(error && (error.shortMessage || error.message) || error).slice(0, 500)}`);
  }
  facts.seconds = (Date.now() - started) / 1000;
  console.log(JSON.stringify({ client, passed, failed, facts }));
  process.exit(failed.length ? 1 : 0);
}

main();
